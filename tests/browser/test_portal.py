"""The public portal in a real browser, over the demo data: the map, a country page, the trends, English."""
import pytest

pytestmark = pytest.mark.browser


def test_the_map_shades_countries_and_marks_cities(live_site, browser_page):
    page = browser_page
    page.goto(f"{live_site.url}/public/")
    world = page.locator("svg.worldmap")
    world.wait_for()
    box = world.bounding_box()
    assert box["width"] > 1000 and box["height"] > 300
    china = page.locator('svg.worldmap path[data-country="CN"]')
    assert china.get_attribute("data-count") == "63"
    assert china.get_attribute("fill") != page.locator('svg.worldmap path[data-country="BR"]').get_attribute("fill")
    assert page.locator("svg.worldmap circle.place").count() >= 30
    assert page.locator(".stats").inner_text().count("195") == 1
    # A shaded country leads to its page, and so does a city's point.
    page.locator('svg.worldmap a path[data-country="IN"]').click()
    page.wait_for_url("**/public/countries/IN/")
    assert page.locator("h1").inner_text() == "インド"
    page.go_back()
    page.locator("svg.worldmap circle.place", has=page.locator("title", has_text="釜山")).click()
    page.wait_for_url("**/public/countries/KR/")
    assert page.locator("h1").inner_text() == "韓国"
    assert page.locator("table.bases tbody tr").count() >= 15
    assert "公共データ利用規約" in page.locator("footer.source").inner_text()


def test_the_trends_show_charts_tables_and_csv_links(live_site, browser_page):
    page = browser_page
    page.goto(f"{live_site.url}/public/trends/")
    assert page.locator("h1").inner_text() == "調査回ごとの推移"
    assert page.locator("section.figure svg.chart").count() == 3
    for slug in ("bases-by-country", "openings", "ties-by-decade"):
        section = page.locator(f"section#{slug}")
        assert section.locator("svg.chart").bounding_box()["height"] > 50
        assert section.locator("table tbody tr").count() >= 1
        assert section.locator(f'a[href="/public/trends/{slug}.csv"]').count() == 1
    with page.expect_download() as download:
        page.locator('a[href="/public/trends/bases-by-country.csv"]').click()
    assert download.value.suggested_filename == "bases-by-country.csv"


def test_a_visitor_switches_the_portal_to_english(live_site, browser_page):
    page = browser_page
    page.goto(f"{live_site.url}/public/bases/?countries=VN")
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Search the bases"
    assert "countries=VN" in page.url
    assert page.locator("table.bases tbody tr").count() >= 1
