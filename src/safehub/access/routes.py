"""The declared access policy of every URL route, checked route by route by the permission-matrix test.

Every named route must appear here; a route missing from this table fails the test suite. `roles` is
who may use the route at all ("*" for anyone, including the public); `record` names the kind of
protected record the URL points at; `verb` is what the user must be allowed to do to that record
(see safehub.access.policy.can; "run" an operation: `safehub.intelligence.policy.may_run`).
"""

from dataclasses import dataclass

ANYONE = ("*",)
READERS = ("screener", "worker", "manager", "analyst", "investigator")
SCREENERS = ("screener", "manager")
CASE_WORKERS = ("worker", "manager")
CHILD_MAKERS = ("screener", "worker", "manager")
NETWORK_READERS = ("worker", "manager", "analyst", "investigator")
OPERATION_READERS = ("worker", "manager", "analyst", "investigator")
OPERATION_RUNNERS = ("analyst", "investigator", "manager")
ALL_ROLES = ("referrer", "screener", "worker", "manager", "analyst", "investigator", "scrutiny", "admin")
PEOPLE_READERS = ("worker", "manager", "analyst", "investigator")
PEOPLE_MAKERS = ("manager", "analyst", "investigator")
INTELLIGENCE_MAKERS = ("analyst", "investigator")
RESTRICTERS = ("manager",) + INTELLIGENCE_MAKERS


@dataclass(frozen=True)
class Route:
    roles: tuple
    record: str = ""
    verb: str = ""
    methods: tuple = ("GET",)
    api: bool = False


PUBLIC = Route(ANYONE)
PUBLIC_FORM = Route(ANYONE, methods=("GET", "POST"))

ROUTES = {
    "home": PUBLIC,
    "accessibility": PUBLIC,
    "privacy": PUBLIC,
    "healthz": PUBLIC,
    "readyz": PUBLIC,
    "schema": PUBLIC,
    "intake:routes": PUBLIC,
    "intake:report_start": PUBLIC_FORM,
    "intake:report_step": PUBLIC_FORM,
    "intake:report_done": PUBLIC,
    "intake:set_passphrase": Route(ANYONE, methods=("POST",)),
    "intake:return_start": PUBLIC_FORM,
    "intake:return_add": PUBLIC_FORM,
    "intake:return_done": PUBLIC,
    "accounts:login": PUBLIC_FORM,
    "accounts:login_code": PUBLIC_FORM,
    "accounts:provider_start": PUBLIC,
    "accounts:provider_callback": PUBLIC,
    "accounts:logout": Route(ANYONE, methods=("POST",)),
    "accounts:profile": Route(ALL_ROLES),
    "intake:my_referrals": Route(("referrer",)),
    "intake:referral_start": Route(("referrer",)),
    "intake:referral_step": Route(("referrer",), methods=("GET", "POST")),
    "intake:referral_done": Route(("referrer",)),
    "intake:referral_detail": Route(("referrer",), record="contact", verb="view"),
    "screening:queue": Route(SCREENERS),
    "screening:decided": Route(SCREENERS),
    "screening:escalations": Route(("manager",)),
    # A held batch belongs to the front door's agency; its page lists only the reports the user may open.
    "screening:flood_batch": Route(SCREENERS),
    "screening:release_flood_batch": Route(SCREENERS, methods=("POST",)),
    "screening:mark_flood_batch": Route(SCREENERS, methods=("POST",)),
    "screening:contact": Route(READERS, record="contact", verb="view"),
    "screening:priority": Route(SCREENERS, record="contact", verb="screen", methods=("POST",)),
    "screening:decide": Route(SCREENERS, record="contact", verb="screen", methods=("POST",)),
    "screening:close": Route(SCREENERS, record="contact", verb="screen", methods=("POST",)),
    "screening:mark_addition_read": Route(SCREENERS, record="contact", verb="screen", methods=("POST",)),
    "cases:my_cases": Route(CASE_WORKERS),
    "cases:team": Route(("manager",)),
    "cases:team_list": Route(("manager",)),
    "cases:mace": Route(READERS),
    "cases:open_from_contact": Route(SCREENERS, record="contact", verb="screen", methods=("GET", "POST")),
    "cases:case": Route(READERS, record="case", verb="view"),
    "cases:allocate": Route(CASE_WORKERS, record="case", verb="manage", methods=("POST",)),
    "cases:extend": Route(CASE_WORKERS, record="case", verb="manage", methods=("POST",)),
    "cases:complete_assessment": Route(CASE_WORKERS, record="case", verb="work", methods=("POST",)),
    "cases:risk": Route(CASE_WORKERS, record="case", verb="work", methods=("GET", "POST")),
    "cases:add_action": Route(CASE_WORKERS, record="case", verb="work", methods=("POST",)),
    "cases:action_status": Route(CASE_WORKERS, record="case", verb="work", methods=("POST",)),
    "cases:new_meeting": Route(CASE_WORKERS, record="case", verb="work", methods=("GET", "POST")),
    "cases:add_note": Route(CASE_WORKERS, record="case", verb="work", methods=("POST",)),
    "cases:request_closure": Route(CASE_WORKERS, record="case", verb="work", methods=("POST",)),
    "cases:sign_off": Route(("manager",), record="case", verb="manage", methods=("POST",)),
    "cases:reopen": Route(CASE_WORKERS, record="case", verb="manage", methods=("POST",)),
    "cases:new_child": Route(CHILD_MAKERS, methods=("GET", "POST")),
    "cases:child": Route(READERS, record="child", verb="view"),
    "cases:chronology": Route(READERS, record="child", verb="view"),
    "cases:add_address": Route(CASE_WORKERS, record="child", verb="work", methods=("POST",)),
    "cases:add_person": Route(CASE_WORKERS, record="child", verb="work", methods=("POST",)),
    "cases:open_case": Route(CASE_WORKERS, record="child", verb="work", methods=("POST",)),
    "cases:merge_suggestions": Route(("manager",)),
    "cases:merge": Route(("manager",), record="child", verb="manage", methods=("GET", "POST")),
    "cases:unmerge": Route(("manager",), record="child", verb="manage", methods=("POST",)),
    "linking:networks": Route(NETWORK_READERS),
    "linking:network": Route(NETWORK_READERS),
    "linking:network_by_id": Route(NETWORK_READERS),
    "linking:link": Route(NETWORK_READERS),
    "linking:hubs": Route(READERS),
    "linking:selector": Route(READERS, record="selector", verb="view"),
    "linking:judge": Route(("analyst",), methods=("POST",)),
    "linking:mark": Route(("analyst",), record="selector", verb="view", methods=("POST",)),
    # The routes naming a kind of record serve every kind registered with `access.records` (reports, cases,
    # children's records, people of concern, operations, intelligence items). Analysts and investigators
    # restrict and transfer intelligence items, which nobody shares or opens by breaking the glass (ADR 15).
    "access:share": Route(SCREENERS, record="contact", verb="share", methods=("POST",)),
    "access:transfer": Route(SCREENERS + INTELLIGENCE_MAKERS, record="contact", verb="transfer", methods=("POST",)),
    "access:restrict": Route(RESTRICTERS, record="contact", verb="restrict", methods=("POST",)),
    "access:break_glass": Route(("manager",), record="contact", verb="break_glass", methods=("POST",)),
    "access:revoke_share": Route(SCREENERS, record="share", verb="share", methods=("POST",)),
    "access:lift_restriction": Route(RESTRICTERS, record="restriction", verb="restrict", methods=("POST",)),
    "access:review_break_glass": Route(("manager",), record="breakglass", verb="restrict", methods=("POST",)),
    "access:transfers": Route(("manager",)),
    "access:answer_transfer": Route(("manager",), record="transfer", verb="accept_transfer", methods=("POST",)),
    "figures": Route(("scrutiny", "manager")),
    "figures_export": Route(("scrutiny", "manager")),
    "figures_publish": Route(("manager",), methods=("POST",)),
    "statistics": PUBLIC,
    "statistics_period": PUBLIC,
    "statistics_download": PUBLIC,
    "case_bundle": Route(("manager",), record="child", verb="manage", methods=("GET", "POST")),
    "audit:trail": Route(("scrutiny",)),
    "audit:break_glass": Route(("scrutiny", "manager")),
    "audit:who_has_seen": Route(("manager", "scrutiny"), record="contact", verb="see_audit"),
    "manage:people": Route(("admin",)),
    "manage:add_person": Route(("admin",), methods=("GET", "POST")),
    "manage:set_active": Route(("admin",), record="person", verb="administer", methods=("POST",)),
    "manage:reset_second_factor": Route(("admin",), record="person", verb="administer", methods=("POST",)),
    "manage:agencies": Route(("admin",), methods=("GET", "POST")),
    "manage:providers": Route(("admin",)),
    "manage:add_provider": Route(("admin",), methods=("GET", "POST")),
    "manage:edit_provider": Route(("admin",), methods=("GET", "POST")),
    "manage:sign_ins": Route(("admin",)),
    "manage:link_identity": Route(("admin",), methods=("POST",)),
    "manage:approve_identity": Route(("admin",), methods=("POST",)),
    "manage:refuse_identity": Route(("admin",), methods=("POST",)),
    # People of concern ("person") and intelligence items ("item"). Changing a person is for its editors who may
    # open it ("view"); an item opens only for its owning agency's analysts and investigators, and answers
    # anyone else in a partner agency "not found".
    "intelligence:people": Route(PEOPLE_READERS),
    "intelligence:new_person": Route(PEOPLE_MAKERS, methods=("GET", "POST")),
    "intelligence:completeness": Route(("manager", "analyst", "investigator", "scrutiny")),
    "intelligence:person": Route(PEOPLE_READERS, record="person", verb="view"),
    "intelligence:person_section": Route(PEOPLE_READERS, record="person", verb="view"),
    "intelligence:edit_person": Route(PEOPLE_MAKERS, record="person", verb="view", methods=("GET", "POST")),
    "intelligence:add_detail": Route(PEOPLE_MAKERS, record="person", verb="view", methods=("POST",)),
    "intelligence:remove_detail": Route(PEOPLE_MAKERS, record="person", verb="view", methods=("POST",)),
    "intelligence:new_item": Route(INTELLIGENCE_MAKERS, methods=("GET", "POST")),
    "intelligence:item": Route(READERS, record="item", verb="view"),
    "api:people": Route(PEOPLE_READERS, api=True),
    "api:person": Route(PEOPLE_READERS, record="person", verb="view", api=True),
    "api:intelligence": Route(INTELLIGENCE_MAKERS, api=True),
    "api:intelligence_item": Route(READERS, record="item", verb="view", api=True),
    "api:child_intelligence_summaries": Route(READERS, record="child", verb="view", api=True),
    "intelligence:operations": Route(OPERATION_READERS),
    "intelligence:my_operations": Route(OPERATION_RUNNERS),
    "intelligence:new_operation": Route(OPERATION_RUNNERS, methods=("GET", "POST")),
    "intelligence:operation": Route(OPERATION_READERS, record="operation", verb="view"),
    "intelligence:operation_add_person": Route(OPERATION_RUNNERS, record="operation", verb="run", methods=("POST",)),
    "intelligence:operation_add_child": Route(OPERATION_RUNNERS, record="operation", verb="run", methods=("POST",)),
    "intelligence:operation_profile": Route(OPERATION_RUNNERS, record="operation", verb="run", methods=("GET", "POST")),
    "intelligence:close_operation": Route(OPERATION_RUNNERS, record="operation", verb="run", methods=("POST",)),
    "intelligence:serve_disruption": Route(OPERATION_RUNNERS, record="operation", verb="run", methods=("GET", "POST")),
    "intelligence:extend_closure_notice": Route(OPERATION_RUNNERS, record="operation", verb="run", methods=("POST",)),
    "intelligence:record_breach": Route(OPERATION_RUNNERS, record="operation", verb="run", methods=("GET", "POST")),
    "intelligence:review_disruption": Route(OPERATION_RUNNERS, record="operation", verb="run",
                                            methods=("GET", "POST")),
    "intelligence:record_justice_step": Route(OPERATION_RUNNERS, record="operation", verb="run",
                                              methods=("GET", "POST")),
    # Adult survivors ("survivor": opened like a report, by the owning agency's readers and through shares),
    # support plans (reached through the case or survivor), safe contact and consent (through the child or
    # survivor), and the Victims' Code list (notifications about victims the user may open).
    "support:survivors": Route(READERS),
    "support:open_survivor": Route(SCREENERS, record="contact", verb="screen", methods=("GET", "POST")),
    "support:survivor": Route(READERS, record="survivor", verb="view"),
    "support:route_survivor": Route(SCREENERS, record="survivor", verb="screen", methods=("GET", "POST")),
    "support:survivor_operation": Route(OPERATION_RUNNERS, record="survivor", verb="view", methods=("GET", "POST")),
    "support:survivor_safe_contact": Route(CASE_WORKERS, record="survivor", verb="work", methods=("GET", "POST")),
    "support:survivor_consent": Route(CASE_WORKERS, record="survivor", verb="work", methods=("POST",)),
    "support:survivor_plan": Route(READERS, record="survivor", verb="view"),
    "support:survivor_plan_change": Route(CASE_WORKERS, record="survivor", verb="work", methods=("POST",)),
    "support:child_safe_contact": Route(CASE_WORKERS, record="child", verb="work", methods=("GET", "POST")),
    "support:child_consent": Route(CASE_WORKERS, record="child", verb="work", methods=("POST",)),
    "support:case_plan": Route(READERS, record="case", verb="view"),
    "support:case_plan_change": Route(CASE_WORKERS, record="case", verb="work", methods=("POST",)),
    "support:victims_code": Route(("worker", "manager", "investigator")),
    "support:victim_told": Route(("worker", "manager", "investigator"), methods=("POST",)),
    "api:referrals": Route(("referrer",), methods=("GET", "POST"), api=True),
    "api:referral": Route(("referrer",), record="contact", verb="view", api=True),
    "api:children": Route(READERS, methods=("GET", "POST"), api=True),
    "api:child": Route(READERS, record="child", verb="view", api=True),
    "api:cases": Route(READERS, methods=("GET", "POST"), api=True),
    "api:case": Route(READERS, record="case", verb="view", api=True),
    "api:case_assessments": Route(READERS, record="case", verb="view", api=True),
    "api:case_actions": Route(READERS, record="case", verb="view", api=True),
    "api:case_meetings": Route(READERS, record="case", verb="view", api=True),
    "api:operations": Route(OPERATION_READERS, api=True),
    "api:operation": Route(OPERATION_READERS, record="operation", verb="view", api=True),
    "api:operation_disruptions": Route(OPERATION_READERS, record="operation", verb="view", api=True),
    "api:operation_justice": Route(OPERATION_READERS, record="operation", verb="view", api=True),
    # Asking other areas (ADR 30): anyone who may open the person asks about them; the partners' endpoint answers
    # only a request signed by a configured partnership (no user signs in), and refuses everything else (401).
    "federation:ask": Route(PEOPLE_READERS, record="person", verb="view", methods=("POST",)),
    "federation:query": Route(ANYONE, methods=("POST",)),
    # Retention (ADR 25): a record's custodians, those who may restrict it, decide on keeping or disposing of it.
    "retention:due": Route(RESTRICTERS),
    "retention:record": Route(RESTRICTERS, record="contact", verb="restrict", methods=("GET", "POST")),
    "retention:disposals": Route(RESTRICTERS + ("scrutiny",)),
}
