from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.permissions import AllowAny

from safehub import health, views
from safehub.access import views as access_views
from safehub.audit import views as audit_views
from safehub.cases import api as cases_api
from safehub.cases import views as case_views
from safehub.accounts import admin_views
from safehub.accounts import views as account_views
from safehub.federation import urls as federation_urls
from safehub.insights import urls as insights_urls
from safehub.intelligence import urls as intelligence_urls
from safehub.linking import views as linking_views
from safehub.intake import api as intake_api
from safehub.intake import views as intake_views
from safehub.screening import views as screening_views
from safehub.support import urls as support_urls

intake_patterns = (
    [
        path("report/", intake_views.report_start, name="report_start"),
        path("report/done/", intake_views.report_done, name="report_done"),
        path("report/done/passphrase/", intake_views.set_passphrase, name="set_passphrase"),
        path("report/add/", intake_views.return_start, name="return_start"),
        path("report/add/details/", intake_views.return_add, name="return_add"),
        path("report/add/received/", intake_views.return_done, name="return_done"),
        path("report/<slug:step>/", intake_views.report_step, name="report_step"),
        path("contact-us/", intake_views.contact_routes, name="routes"),
        path("referrals/", intake_views.my_referrals, name="my_referrals"),
        path("referrals/new/", intake_views.referral_start, name="referral_start"),
        path("referrals/new/done/", intake_views.referral_done, name="referral_done"),
        path("referrals/new/<slug:step>/", intake_views.referral_step, name="referral_step"),
        path("referrals/<str:reference>/", intake_views.referral_detail, name="referral_detail"),
    ],
    "intake",
)

screening_patterns = (
    [
        path("", screening_views.queue, name="queue"),
        path("decided/", screening_views.decided, name="decided"),
        path("escalations/", screening_views.escalations, name="escalations"),
        path("held/<int:batch_id>/", screening_views.flood_batch, name="flood_batch"),
        path("held/<int:batch_id>/release/", screening_views.release_flood_batch, name="release_flood_batch"),
        path("held/<int:batch_id>/flood/", screening_views.mark_flood_batch, name="mark_flood_batch"),
        path("<str:reference>/", screening_views.contact_page, name="contact"),
        path("<str:reference>/priority/", screening_views.set_priority, name="priority"),
        path("<str:reference>/decision/", screening_views.decide, name="decide"),
        path("<str:reference>/close/", screening_views.close, name="close"),
        path("<str:reference>/additions/<int:addition_id>/read/", screening_views.mark_addition_read,
             name="mark_addition_read"),
    ],
    "screening",
)

case_patterns = (
    [
        path("cases/", case_views.my_cases, name="my_cases"),
        path("cases/team/", case_views.team, name="team"),
        path("cases/team/<slug:section>/", case_views.team_list, name="team_list"),
        path("cases/mace/", case_views.mace, name="mace"),
        path("cases/from-report/<str:reference>/", case_views.open_from_contact, name="open_from_contact"),
        path("cases/<str:reference>/", case_views.case_page, name="case"),
        path("cases/<str:reference>/allocate/", case_views.allocate, name="allocate"),
        path("cases/<str:reference>/extend/", case_views.extend, name="extend"),
        path("cases/<str:reference>/assessment/", case_views.complete_assessment, name="complete_assessment"),
        path("cases/<str:reference>/risk/", case_views.risk_screening, name="risk"),
        path("cases/<str:reference>/actions/", case_views.add_action, name="add_action"),
        path("cases/<str:reference>/actions/<int:action_id>/", case_views.action_status, name="action_status"),
        path("cases/<str:reference>/meetings/new/", case_views.new_meeting, name="new_meeting"),
        path("cases/<str:reference>/notes/", case_views.add_note, name="add_note"),
        path("cases/<str:reference>/close/", case_views.request_closure, name="request_closure"),
        path("cases/<str:reference>/sign-off/", case_views.sign_off, name="sign_off"),
        path("cases/<str:reference>/reopen/", case_views.reopen, name="reopen"),
        path("children/new/", case_views.new_child, name="new_child"),
        path("children/merges/", case_views.merge_suggestions, name="merge_suggestions"),
        path("children/<str:reference>/", case_views.child_page, name="child"),
        path("children/<str:reference>/chronology/", case_views.chronology_page, name="chronology"),
        path("children/<str:reference>/addresses/", case_views.add_address, name="add_address"),
        path("children/<str:reference>/people/", case_views.add_person, name="add_person"),
        path("children/<str:reference>/open-case/", case_views.open_case_for_child, name="open_case"),
        path("children/<str:reference>/merge/", case_views.merge_review, name="merge"),
        path("children/<str:reference>/unmerge/", case_views.unmerge, name="unmerge"),
    ],
    "cases",
)

linking_patterns = (
    [
        path("", linking_views.network_list, name="networks"),
        path("<int:network_id>/", linking_views.network_by_id, name="network_by_id"),
        re_path(r"^(?P<network_reference>N-\d{6,})/$", linking_views.network_page, name="network"),
        path("links/<int:link_id>/", linking_views.link_page, name="link"),
        path("links/<int:link_id>/judge/", linking_views.judge, name="judge"),
        path("hubs/", linking_views.hub_list, name="hubs"),
        path("selectors/<int:entity_id>/", linking_views.selector_page, name="selector"),
        path("selectors/<int:entity_id>/mark/", linking_views.mark_selector, name="mark"),
    ],
    "linking",
)

account_patterns = (
    [
        path("login/", account_views.login_password, name="login"),
        path("login/code/", account_views.login_code, name="login_code"),
        path("login/provider/<int:provider_id>/", account_views.provider_start, name="provider_start"),
        path("login/provider/<int:provider_id>/callback/", account_views.provider_callback, name="provider_callback"),
        path("logout/", account_views.logout_view, name="logout"),
        path("profile/", account_views.profile, name="profile"),
    ],
    "accounts",
)

manage_patterns = (
    [
        path("people/", admin_views.people, name="people"),
        path("people/new/", admin_views.add_person, name="add_person"),
        path("people/<int:user_id>/active/", admin_views.set_active, name="set_active"),
        path("people/<int:user_id>/second-factor/", admin_views.reset_second_factor, name="reset_second_factor"),
        path("agencies/", admin_views.agencies, name="agencies"),
        path("sign-in-providers/", admin_views.providers, name="providers"),
        path("sign-in-providers/new/", admin_views.add_provider, name="add_provider"),
        path("sign-in-providers/<int:provider_id>/", admin_views.edit_provider, name="edit_provider"),
        path("sign-ins/", admin_views.waiting_sign_ins, name="sign_ins"),
        path("sign-ins/<int:identity_id>/link/", admin_views.link_identity, name="link_identity"),
        path("sign-ins/<int:identity_id>/approve/", admin_views.approve_identity, name="approve_identity"),
        path("sign-ins/<int:identity_id>/refuse/", admin_views.refuse_identity, name="refuse_identity"),
    ],
    "manage",
)

access_patterns = (
    [
        path("transfers/", access_views.transfers, name="transfers"),
        path("transfers/<int:transfer_id>/", access_views.answer_transfer, name="answer_transfer"),
        path("shares/<int:share_id>/revoke/", access_views.revoke_share, name="revoke_share"),
        path("restrictions/<int:restriction_id>/lift/", access_views.lift_restriction, name="lift_restriction"),
        path("break-glass/<int:glass_id>/review/", access_views.review_break_glass, name="review_break_glass"),
        path("<slug:kind>/<str:key>/share/", access_views.share, name="share"),
        path("<slug:kind>/<str:key>/transfer/", access_views.transfer, name="transfer"),
        path("<slug:kind>/<str:key>/restrict/", access_views.restrict, name="restrict"),
        path("<slug:kind>/<str:key>/break-glass/", access_views.break_glass, name="break_glass"),
    ],
    "access",
)

audit_patterns = (
    [
        path("", audit_views.trail, name="trail"),
        path("break-glass/", audit_views.break_glass_review, name="break_glass"),
        path("<slug:kind>/<str:key>/", audit_views.who_has_seen, name="who_has_seen"),
    ],
    "audit",
)

api_patterns = (
    [
        path("referrals/", intake_api.ReferralListCreate.as_view(), name="referrals"),
        path("referrals/<str:reference>/", intake_api.ReferralStatus.as_view(), name="referral"),
        path("children/", cases_api.ChildList.as_view(), name="children"),
        path("children/<str:reference>/", cases_api.ChildDetail.as_view(), name="child"),
        path("cases/", cases_api.CaseList.as_view(), name="cases"),
        path("cases/<str:reference>/", cases_api.CaseDetail.as_view(), name="case"),
        path("cases/<str:reference>/assessments/", cases_api.AssessmentList.as_view(), name="case_assessments"),
        path("cases/<str:reference>/actions/", cases_api.ActionList.as_view(), name="case_actions"),
        path("cases/<str:reference>/meetings/", cases_api.MeetingList.as_view(), name="case_meetings"),
        *intelligence_urls.api_urls,
    ],
    "api",
)

urlpatterns = [
    path("", account_views.home, name="home"),
    path("", include(intake_patterns)),
    path("accounts/", include(account_patterns)),
    path("screening/", include(screening_patterns)),
    path("", include(case_patterns)),
    path("networks/", include(linking_patterns)),
    path("", include(intelligence_urls.patterns)),
    path("", include(federation_urls.patterns)),
    path("", include(support_urls.patterns)),
    path("manage/", include(manage_patterns)),
    path("access/", include(access_patterns)),
    path("audit/", include(audit_patterns)),
    path("retention/", include("safehub.retention.urls")),
    path("api/v1/", include(api_patterns)),
    path("api/schema/", SpectacularAPIView.as_view(permission_classes=[AllowAny], authentication_classes=[]), name="schema"),
    path("", include(insights_urls.patterns)),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("privacy/", views.privacy, name="privacy"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
]

handler400 = "safehub.views.bad_request"
handler403 = "safehub.views.forbidden"
handler404 = "safehub.views.not_found"
handler500 = "safehub.views.server_error"
