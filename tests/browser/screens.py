"""The pages photographed by ``bench/screenshots.py`` and checked by tests/browser/test_pages.py, per demo user."""
from dataclasses import dataclass


@dataclass
class Screen:
    name: str
    user: str
    url: str
    click: str = ""  # a link to follow from ``url`` (for pages whose URL holds a record id)
    staff_page: bool = True  # the registry's own pages (the admin's are laid out by Django)


SCREENS = [
    Screen("clerk_home", "osaka_clerk", "/"),
    Screen("clerk_bases", "osaka_clerk", "/bases/"),
    Screen("clerk_base_form", "osaka_clerk", "/", click="#home-clerk table.home-bases a", staff_page=False),
    Screen("coming-up-clerk", "osaka_clerk", "/coming-up/"),
    Screen("notifications-clerk", "osaka_clerk", "/notifications/"),
    Screen("notifications-settings-clerk", "osaka_clerk", "/notifications/settings/"),
    Screen("coordinator_home", "coordinator", "/"),
    Screen("coordinator_bases_filtered", "coordinator",
           "/bases/?region=kyushu&form=c&form=b&established_from=H20&sort=-staff_total"),
    Screen("coordinator_admin_bases", "coordinator", "/admin/registry/base/", staff_page=False),
    Screen("coordinator_progress", "coordinator", "/survey/2018-09-30/progress/"),
    Screen("survey_report", "coordinator", "/survey/2017-09-30/"),
    Screen("agreements", "coordinator", "/agreements/"),
    Screen("supervisor_home", "supervisor", "/"),
    Screen("supervisor_change_log", "supervisor", "/history/"),
    Screen("supervisor_record_history", "supervisor", "/",
           click="#home-supervisor table a[href*='/admin/'][href*='/history/'] >> nth=0", staff_page=False),
]


def open_screen(page, site, screen):
    page.goto(f"{site.url}{screen.url}")
    if screen.click:
        page.click(screen.click)
        page.wait_for_load_state()
