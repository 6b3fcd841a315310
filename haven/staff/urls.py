"""URLs for the staff pages: UUIDs only, never database ids.

Every pattern needs a row in tests/staff/test_access_matrix.py (the test fails without one).
"""

from django.urls import URLPattern, path

from haven.staff.views import applications, auth, queue, residents, shelters

app_name = "staff"
urlpatterns: list[URLPattern] = [
    path("", auth.home, name="home"),
    path("login/", auth.login, name="login"),
    path("logout/", auth.logout, name="logout"),
    path("queue/", queue.queue, name="queue"),
    path("applications/<uuid:public_id>/", applications.application, name="application"),
    path("shelters/", shelters.shelters, name="shelters"),
    path("shelters/<uuid:public_id>/", shelters.shelter, name="shelter"),
    path("shelters/<uuid:public_id>/place/", shelters.place, name="place"),
    path("stays/<uuid:public_id>/check-out/", shelters.check_out_stay, name="check_out"),
    path("residents/<uuid:public_id>/", residents.resident, name="resident"),
]
