"""URLs for the staff pages: UUIDs only, never database ids.

Every pattern needs a row in tests/staff/test_access_matrix.py (the test fails without one).
"""

from django.urls import URLPattern, path

from haven.staff.views import (
    api_tokens,
    applications,
    auth,
    board,
    consent,
    dashboard,
    documents,
    fairness,
    house,
    pathways,
    placement,
    queue,
    residents,
    roles,
    rubrics,
    shelters,
    stay_rules,
)

app_name = "staff"
urlpatterns: list[URLPattern] = [
    path("", auth.home, name="home"),
    path("login/", auth.login, name="login"),
    path("logout/", auth.logout, name="logout"),
    path("confirm/", auth.confirm_identity, name="reauth"),
    path("queue/", queue.queue, name="queue"),
    path("applications/<uuid:public_id>/", applications.application, name="application"),
    path(
        "applications/<uuid:public_id>/question/",
        applications.ask_question,
        name="ask_question",
    ),
    path(
        "applications/<uuid:public_id>/evidence/",
        applications.record_evidence,
        name="record_evidence",
    ),
    path(
        "applications/<uuid:public_id>/erase/",
        applications.erase,
        name="erase",
    ),
    path("shelters/", shelters.shelters, name="shelters"),
    path("shelters/<uuid:public_id>/", shelters.shelter, name="shelter"),
    path("shelters/<uuid:public_id>/place/", shelters.place, name="place"),
    path("shelters/<uuid:public_id>/rota/", house.rota_view, name="rota"),
    path("shelters/<uuid:public_id>/house/", house.house_view, name="house"),
    path("stays/<uuid:public_id>/check-out/", shelters.check_out_stay, name="check_out"),
    # Placement runs and the offers they propose.
    path("placement/", placement.placement, name="placement"),
    path("offers/<uuid:public_id>/", placement.offer_view, name="offer"),
    path("residents/<uuid:public_id>/", residents.resident, name="resident"),
    # The legal clock: crossings, documents, duties, the board.
    path(
        "residents/<uuid:public_id>/crossings/",
        documents.record_crossing_view,
        name="record_crossing",
    ),
    path("residents/<uuid:public_id>/exit/", documents.record_exit_view, name="record_exit"),
    path(
        "residents/<uuid:public_id>/documents/",
        documents.record_document_view,
        name="record_document",
    ),
    path("documents/<uuid:public_id>/", documents.edit_document, name="edit_document"),
    path(
        "documents/<uuid:public_id>/remove/",
        documents.remove_document_view,
        name="remove_document",
    ),
    path("tasks/<uuid:public_id>/done/", board.complete_task_view, name="complete_task"),
    path("clock/", board.network_board, name="clock_board"),
    path("shelters/<uuid:public_id>/clock/", board.shelter_board, name="shelter_clock"),
    # Pathways: destinations, cases, appointments, the calendar feed.
    path("destinations/", pathways.destinations, name="destinations"),
    path("destinations/<uuid:public_id>/", pathways.destination, name="destination"),
    path(
        "destinations/<uuid:public_id>/verify/",
        pathways.verify_destination_view,
        name="verify_destination",
    ),
    path("residents/<uuid:public_id>/cases/", pathways.open_case_view, name="open_case"),
    path("cases/<uuid:public_id>/", pathways.case_view, name="case"),
    path("cases/<uuid:public_id>/update/", pathways.update_case_view, name="update_case"),
    path(
        "cases/<uuid:public_id>/appointments/",
        pathways.add_appointment_view,
        name="add_appointment",
    ),
    path("calendar/", pathways.calendar_settings, name="calendar"),
    path("calendar/<str:token>/appointments.ics", pathways.calendar_feed, name="calendar_feed"),
    path("rubric/", rubrics.rubrics, name="rubrics"),
    path("rubric/new/", rubrics.new_rubric, name="rubric_new"),
    path("fairness/", fairness.fairness, name="fairness"),
    path("stay-rules/", stay_rules.stay_rules, name="stay_rules"),
    path("stay-rules/edit/", stay_rules.edit_stay_rules, name="stay_rules_edit"),
    # Consent and sharing a person's file; staff roles (both behind re-authentication).
    path("people/<uuid:public_id>/consent/", consent.consents, name="consents"),
    path("people/<uuid:public_id>/share/", consent.share, name="share"),
    path("consents/<uuid:public_id>/withdraw/", consent.withdraw, name="withdraw_consent"),
    # The network dashboard, its downloads (behind re-authentication) and rents.
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/download/", dashboard.download, name="dashboard_download"),
    path("shelters/<uuid:public_id>/rent/", dashboard.rent, name="rent"),
    path("roles/", roles.roles, name="roles"),
    path("roles/<uuid:public_id>/revoke/", roles.revoke, name="revoke_role"),
    # The user's own API tokens (behind re-authentication).
    path("api-tokens/", api_tokens.api_tokens, name="api_tokens"),
    path("api-tokens/<uuid:public_id>/revoke/", api_tokens.revoke, name="revoke_api_token"),
]
