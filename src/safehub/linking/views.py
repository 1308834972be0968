"""Networks and person links for analysts: the list, a network's graph and table, a link's evidence."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from safehub.accounts.decorators import role_required
from safehub.audit.trail import record as audit
from safehub.access.routes import NETWORK_READERS, READERS
from safehub.forms import error_summary, error_text
from safehub.linking import actions, networks, queries, sources
from safehub.linking.forms import JudgementForm, MarkForm
from safehub.linking.models import Entity, Network, PersonLink, network_reference


@role_required(*NETWORK_READERS)
def network_list(request):
    summaries = queries.network_summaries(request.user, networks.current_networks(request.user))
    audit("networks_viewed", user=request.user, object_type="network",
          reason=named_briefly("Listed", [row["network"].reference for row in summaries]), request=request)
    return render(request, "linking/networks.html", {"summaries": summaries, "being_updated": networks.being_updated()})


def named_briefly(what, names, limit=1900):
    """"Shown: SH-2026-000001, SH-2026-000002" for an audit event's reason, cut short with a count if long."""
    text = f"{what}: {', '.join(names) or 'none'}"
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(", ", 1)[0]
    return f"{cut} and {len(names) - cut.count(', ') - 1} more"


def _grouped(view):
    """The visible mentions by the entity they are shown as (probable same people and children as one),
    with each group's fullest label, written as the viewer's records write it."""
    rows = [(m.kind, m.role, m.entity_id, sources.mention_key(m)) for m in view["mentions"]]
    shown_as = networks.display_groups(rows, view["visible"])
    labels = {}
    for mention in view["mentions"]:
        group = shown_as.get(mention.entity_id, mention.entity_id)
        label = queries.shown_label(mention)
        if len(label) > len(labels.get(group, "")):
            labels[group] = label
    return [(shown_as.get(m.entity_id, m.entity_id), m) for m in view["mentions"]], labels


def _graph(view, grouped, labels):
    """Nodes and edges for cytoscape, from what the user may see."""
    nodes, edges = {}, []
    for record in view["records"]:
        nodes[record["key"]] = {"id": record["key"], "label": record["name"], "kind": record["kind"]}
    communities = view["network"].communities
    for group, mention in grouped:
        nodes.setdefault(f"e{group}", {"id": f"e{group}", "label": labels[group], "kind": mention.entity.kind,
                                       "community": communities.get(str(group), 0)})
        edges.append({"id": f"m{mention.pk}", "source": sources.mention_key(mention), "target": f"e{group}"})
    return {"nodes": list(nodes.values()), "edges": edges}


def _entity_rows(view, grouped, labels):
    rows = {}
    communities = view["network"].communities
    entity_ids = {mention.entity_id for _, mention in grouped}
    hubs = queries.hub_ids(entity_ids, view["network"].intelligence_seen)
    marks, businesses = queries.standing_marks(entity_ids), queries.business_ids(entity_ids)
    for group, mention in grouped:
        row = rows.setdefault(group, {"kind": mention.entity.get_kind_display(), "kind_key": mention.entity.kind,
                                      "label": labels[group], "roles": set(), "records": {}, "written": set(),
                                      "community": communities.get(str(group), 0) + 1, "entity": mention.entity,
                                      "strength": queries.strength(
                                          mention.entity.kind, partial=bool(mention.pattern),
                                          identifying=networks.identifying(mention), hub=mention.entity_id in hubs,
                                          mark=marks.get(mention.entity_id),
                                          business=mention.entity_id in businesses)})
        row["roles"].add(mention.get_role_display())
        key = sources.mention_key(mention)
        row["records"][key] = view["records_by_key"][key]
        row["written"].add(mention.raw)
    order = [Entity.Kind.CHILD, Entity.Kind.PERSON, Entity.Kind.NICKNAME, Entity.Kind.PHONE, Entity.Kind.VEHICLE,
             Entity.Kind.HANDLE, Entity.Kind.PLACE]
    return sorted(rows.values(), key=lambda row: (order.index(row["kind_key"]), row["label"]))


@role_required(*NETWORK_READERS)
def network_by_id(request, network_id):
    """The address a network had before it had a reference (`/networks/12/`): the same network's page."""
    return redirect("linking:network", network_reference=network_reference(network_id))


@role_required(*NETWORK_READERS)
def network_page(request, network_reference):
    reference = network_reference
    network = Network.objects.filter(pk=int(reference[2:])).first()
    if network is not None and network.retired_at is not None:
        return _retired(request, network)
    view = queries.network_view(request.user, network) if network else None
    if view is None:
        _no_network(request, reference, "No network you can open has this reference.")
    audit("network_viewed", user=request.user, obj=network, request=request,
          reason=named_briefly(f"{network.reference} shown with", [record["name"] for record in view["records"]]))
    grouped, labels = _grouped(view)
    shown = {mention.entity_id: labels[group] for group, mention in grouped}
    context = {**view, "graph": _graph(view, grouped, labels), "rows": _entity_rows(view, grouped, labels),
               "ties": queries.network_ties(network, view["visible"], shown), "history": _history(request, network),
               "being_updated": networks.being_updated(), **_operations_block(request.user, network)}
    return render(request, "linking/network.html", context)


def _no_network(request, reference, message):
    audit("access_denied", user=request.user, object_type="network", object_id=reference, request=request)
    raise Http404(message)


def _retired(request, network):
    """A network merged into another sends its visitors there (to whoever is shown that set of networks); one
    whose records no longer make a network says so."""
    if network.intelligence_seen != networks.seen_by(request.user):
        _no_network(request, network.reference, "No network you can open has this reference.")
    current, seen = network, set()
    while current.merged_into_id and current.pk not in seen:
        seen.add(current.pk)
        current = Network.objects.get(pk=current.merged_into_id)
    if current.retired_at is None:
        return redirect(f"{reverse('linking:network', args=[current.reference])}?merged={network.reference}")
    audit("network_viewed", user=request.user, obj=network, request=request, reason=f"{network.reference} had ended")
    return render(request, "linking/network_ended.html", {"network": network}, status=404)


def _history(request, network):
    """What became of this network: the networks merged into it, the one it split from, those split from it."""
    merged = list(Network.objects.filter(merged_into=network).order_by("retired_at", "pk"))
    split_off = list(Network.objects.filter(split_from=network).order_by("pk"))
    arrived_from = request.GET.get("merged", "")
    return {"merged": merged, "split_from": network.split_from, "split_off": split_off,
            "arrived_from": next((other for other in merged if other.reference == arrived_from), None)}


def _operations_block(user, network):
    """The "Operation" block: operations the user may open holding this network's reports, their people of
    concern and each one's latest justice step; and whether the user may open one from this network."""
    from safehub.intelligence.policy import may_open_operations
    from safehub.intelligence.queries.operations import operations_for_network

    return {"operations": operations_for_network(user, network), "can_open_operation": may_open_operations(user)}


def _open_link(request, link_id):
    sides = [f"{side}__{source.field}" for side in ("left", "right") for source in sources.SOURCES]
    link = get_object_or_404(PersonLink.objects.select_related(*sides, "judged_by"), pk=link_id)
    if not queries.link_is_visible(request.user, link):
        audit("access_denied", user=request.user, object_type="personlink", object_id=str(link_id), request=request)
        raise Http404("No link you can open")
    return link


def render_link(request, link, form=None, status=200):
    evidence = [dict(item) for item in link.evidence]
    biggest = max((abs(item["weight"]) for item in evidence), default=1) or 1
    for item in evidence:
        item["bar"] = round(abs(item["weight"]) / biggest * 100)
        item["towards"] = "for" if item["weight"] > 0 else "against" if item["weight"] < 0 else "neutral"
    records = [sources.shown(sources.mention_key(m), m.source_record) for m in (link.left, link.right)]
    context = {"link": link, "evidence": evidence, "form": form or JudgementForm(), "records": records,
               "can_judge": request.user.role in actions.ANALYST_ROLES,
               "errors": error_summary([form]) if form is not None else []}
    return render(request, "linking/link.html", context, status=status)


@role_required(*NETWORK_READERS)
def link_page(request, link_id):
    link = _open_link(request, link_id)
    audit("link_viewed", user=request.user, obj=link, request=request)
    return render_link(request, link)


@role_required(*actions.ANALYST_ROLES)
@require_POST
def judge(request, link_id):
    link = _open_link(request, link_id)
    form = JudgementForm(request.POST)
    if form.is_valid():
        try:
            actions.judge_link(request.user, link, form.cleaned_data["judgement"], reason=form.cleaned_data["reason"],
                               request=request)
            return redirect("linking:link", link_id=link.pk)
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, error_text(error))
    return render_link(request, link, form=form, status=400)


@role_required(*READERS)
def hub_list(request):
    networks.current_networks(request.user)  # the hubs come with the networks this user is shown
    summaries = queries.hub_summaries(request.user)
    audit("hubs_viewed", user=request.user, object_type="entity",
          reason=", ".join(str(row["entity"].pk) for row in summaries)[:500], request=request)
    return render(request, "linking/hubs.html", {"summaries": summaries})


def _open_selector(request, entity_id):
    entity = Entity.objects.filter(pk=entity_id).exclude(kind__in=[Entity.Kind.PERSON, Entity.Kind.CHILD]).first()
    view = queries.selector_view(request.user, entity) if entity else None
    if view is None:
        audit("access_denied", user=request.user, object_type="entity", object_id=str(entity_id), request=request)
        raise Http404("No selector named in a record you can open")
    return view


def render_selector(request, view, form=None, status=200):
    context = {**view, "form": form or MarkForm(), "can_mark": request.user.role in actions.ANALYST_ROLES,
               "errors": error_summary([form]) if form is not None else []}
    return render(request, "linking/selector.html", context, status=status)


@role_required(*READERS)
def selector_page(request, entity_id):
    view = _open_selector(request, entity_id)
    audit("selector_viewed", user=request.user, obj=view["entity"], request=request)
    return render_selector(request, view)


@role_required(*actions.ANALYST_ROLES)
@require_POST
def mark_selector(request, entity_id):
    view = _open_selector(request, entity_id)
    form = MarkForm(request.POST)
    if form.is_valid():
        act = actions.undo_not_linking if view["standing"] else actions.mark_not_linking
        try:
            act(request.user, view["entity"], reason=form.cleaned_data["reason"], request=request)
            return redirect("linking:selector", entity_id=entity_id)
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, error_text(error))
    return render_selector(request, view, form=form, status=400)
