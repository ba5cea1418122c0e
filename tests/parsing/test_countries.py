import pytest

from registry.parsing.countries import (
    UnknownCountry,
    country_code,
    country_display_name,
    country_label,
    known_names,
    resolve_countries,
    sheet_country_cell,
    split_country_prefix,
)


@pytest.mark.parametrize(
    "name, code",
    [
        ("大韓民国", "KR"), ("韓国", "KR"),
        ("中華人民共和国", "CN"), ("中国", "CN"),
        ("台湾", "TW"), ("中華民国(台湾)", "TW"), ("中華民国（台湾）", "TW"),
        ("香港", "HK"), ("香港特別行政区", "HK"), ("マカオ", "MO"),
        ("米国", "US"), ("アメリカ", "US"), ("アメリカ合衆国", "US"),
        ("英国", "GB"), ("イギリス", "GB"),
        ("ベトナム", "VN"), ("ヴィエトナム", "VN"), ("ベトナム社会主義共和国", "VN"),
        ("ロシア", "RU"), ("ロシア連邦", "RU"),
        ("アラブ首長国連邦", "AE"), ("UAE", "AE"),
        ("タイ", "TH"), ("ドイツ", "DE"), ("フランス", "FR"), ("イタリア", "IT"),
        ("オーストラリア", "AU"), ("豪州", "AU"), ("インドネシア", "ID"),
        ("マレーシア", "MY"), ("フィリピン", "PH"), ("シンガポール", "SG"),
        ("インド", "IN"), ("ミャンマー", "MM"), ("カンボジア", "KH"),
        ("ブラジル", "BR"), ("カナダ", "CA"),
        ("China", "CN"), ("taiwan", "TW"), ("USA", "US"), ("U.S.A.", "US"),
        ("United States", "US"), ("Vietnam", "VN"), ("Viet Nam", "VN"),
        ("GERMANY", "DE"), ("Hong Kong", "HK"), ("hongkong", "HK"),
        ("  ｼﾝｶﾞﾎﾟｰﾙ ", "SG"), ("ＵＡＥ", "AE"),
    ],
)
def test_country_code_aliases(name, code):
    assert country_code(name) == code


def test_country_code_uses_django_countries_names():
    assert country_code("ケニア") == "KE"
    assert country_code("Kenya") == "KE"
    assert country_code("ボスニア・ヘルツェゴビナ") == "BA"


def test_country_code_accepts_alpha2_code():
    assert country_code("JP") == "JP"
    assert country_code("XX") is None


@pytest.mark.parametrize("name", [None, "", "-", "アトランティス", "Narnia"])
def test_country_code_unknown_is_none(name):
    assert country_code(name) is None


@pytest.mark.parametrize(
    "country_cell, city_cell, expected",
    [
        ("中国", "香港", ["HK"]),
        ("中国", "香港/香港", ["HK"]),
        ("中華人民共和国", "香港特別行政区", ["HK"]),
        ("中国", "上海・香港", ["CN"]),
        ("中国", "上海", ["CN"]),
        ("中国", "", ["CN"]),
        ("香港", "", ["HK"]),
        ("中国/韓国", "香港", ["CN", "KR"]),
        ("中国、台湾、中国", "上海", ["CN", "TW"]),
        ("", "香港", []),
    ],
)
def test_resolve_countries(country_cell, city_cell, expected):
    assert resolve_countries(country_cell, city_cell) == expected


def test_resolve_countries_unknown_names_the_text():
    with pytest.raises(UnknownCountry, match="アトランティス"):
        resolve_countries("中国/アトランティス", "")
    assert issubclass(UnknownCountry, ValueError)


def test_country_display_name():
    assert country_display_name("US") == "アメリカ合衆国"
    assert country_display_name("US", "en") == "United States of America"
    assert country_display_name("CN") == "中国"


@pytest.mark.parametrize("code, label", [("CN", "中国"), ("KR", "韓国"), ("TW", "台湾"), ("HK", "香港"), ("KE", "ケニア")])
def test_country_label(code, label):
    assert country_label(code) == label


def test_every_label_re_imports_to_its_code():
    codes = {code for _, code in known_names()}
    for code in codes:
        assert resolve_countries(country_label(code), "") == [code], code


@pytest.mark.parametrize(
    "codes, cities, cell",
    [
        (["HK"], ["香港"], "中国"),
        (["HK"], [], "香港"),
        (["CN"], ["上海"], "中国"),
        (["CN", "KR"], [], "中国/韓国"),
        (["US", "TH"], ["ニューヨーク", "バンコク"], "アメリカ/タイ"),
        ([], [], ""),
    ],
)
def test_sheet_country_cell_round_trips(codes, cities, cell):
    assert sheet_country_cell(codes, cities) == cell
    assert resolve_countries(cell, "/".join(cities)) == codes


def test_split_country_prefix_prefers_longest_name():
    assert split_country_prefix("アメリカ合衆国ミシガン州") == ("US", "ミシガン州")
    assert split_country_prefix("インドネシア") == ("ID", "")
    assert split_country_prefix("ミシガン州") is None
