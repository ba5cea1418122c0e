from datetime import date

import pytest

from registry.parsing.dates import Precision
from registry.parsing.ties import TieParseError, agreement_type, parse_tie, parse_ties


@pytest.mark.parametrize(
    "text, partner, country, region, signed, precision, kind",
    [
        ("バトルクリーク市(アメリカ合衆国ミシガン州・S56.7.1姉妹都市提携)",
         "バトルクリーク市", "US", "ミシガン州", date(1981, 7, 1), "day", "sister_city"),
        ("上海市(中華人民共和国・S55.11.21友好都市提携)",
         "上海市", "CN", "", date(1980, 11, 21), "day", "friendship"),
        ("サンパウロ州(ブラジル・S45.9.21姉妹州)",
         "サンパウロ州", "BR", "", date(1970, 9, 21), "day", "sister_city"),
        ("ワシントン州(アメリカ合衆国・H9.5.1友好提携)",
         "ワシントン州", "US", "", date(1997, 5, 1), "day", "friendship"),
        ("江蘇省(中国・平成2年友好提携)",
         "江蘇省", "CN", "", date(1990, 1, 1), "year", "friendship"),
        ("ドバイ(アラブ首長国連邦・H14.10.29友好提携)",
         "ドバイ", "AE", "", date(2002, 10, 29), "day", "friendship"),
        ("ジャカルタ特別州(インドネシア・友好交流)",
         "ジャカルタ特別州", "ID", "", None, "unknown", "friendship"),
        ("クイーンズランド州（オーストラリア・S63.5.4 友好提携）",
         "クイーンズランド州", "AU", "", date(1988, 5, 4), "day", "friendship"),
        ("リヨン市(フランス・2007.10.25経済交流協定)",
         "リヨン市", "FR", "", date(2007, 10, 25), "day", "economic"),
        ("ホーチミン市(ベトナム・H19.10.25友好交流に関する覚書)",
         "ホーチミン市", "VN", "", date(2007, 10, 25), "day", "mou"),
        ("ポートランド市(アメリカ合衆国・オレゴン州・S34.11.7姉妹都市)",
         "ポートランド市", "US", "オレゴン州", date(1959, 11, 7), "day", "sister_city"),
        ("大邱広域市(大韓民国・平成元年4月姉妹都市提携)",
         "大邱広域市", "KR", "", date(1989, 4, 1), "month", "sister_city"),
        ("広東省(中国・令和元年友好協力協定)",
         "広東省", "CN", "", date(2019, 1, 1), "year", "friendship"),
        ("サラエボ市(ボスニア・ヘルツェゴビナ・R2.3.1MOU)",
         "サラエボ市", "BA", "", date(2020, 3, 1), "day", "mou"),
        ("ヘッセン州(ドイツ・2000年10月・パートナーシップ)",
         "ヘッセン州", "DE", "", date(2000, 10, 1), "month", "other"),
        ("ムンバイ(旧ボンベイ)市(インド・H10.4.1姉妹都市)",
         "ムンバイ(旧ボンベイ)市", "IN", "", date(1998, 4, 1), "day", "sister_city"),
    ],
)
def test_parse_tie(text, partner, country, region, signed, precision, kind):
    tie = parse_tie(text)
    assert tie.partner_name == partner
    assert tie.country_code == country
    assert tie.region == region
    assert tie.signed == signed
    assert tie.precision == precision
    assert tie.agreement_type == kind
    assert tie.raw == text


def test_precision_is_precision_member():
    assert parse_tie("ドバイ(アラブ首長国連邦・H14.10.29友好提携)").precision is Precision.DAY


def test_unknown_country_is_kept_as_region():
    tie = parse_tie("ミシガン州立大学(ミシガン州・S56.7.1姉妹提携)")
    assert tie.country_code is None
    assert tie.region == "ミシガン州"
    assert tie.agreement_type == "sister_city"


@pytest.mark.parametrize(
    "text",
    [
        "バトルクリーク市",
        "バトルクリーク市 アメリカ合衆国 S56.7.1",
        "(アメリカ合衆国・S56.7.1姉妹都市提携)",
        "バトルクリーク市(アメリカ合衆国・S56.7.1姉妹都市提携",
        "バトルクリーク市()",
        "",
        None,
    ],
)
def test_parse_tie_rejects_text_without_the_pattern(text):
    with pytest.raises(TieParseError, match="相手先\\(国・州・日付種類\\)"):
        parse_tie(text)


def test_parse_tie_rejects_impossible_dates():
    with pytest.raises(TieParseError, match="S56.2.30"):
        parse_tie("バトルクリーク市(アメリカ合衆国・S56.2.30姉妹都市提携)")
    with pytest.raises(TieParseError):
        parse_tie("バトルクリーク市(アメリカ合衆国・H35.1.1姉妹都市提携)")


@pytest.mark.parametrize(
    "text, kind",
    [
        ("姉妹都市提携", "sister_city"), ("姉妹都市", "sister_city"), ("姉妹州", "sister_city"),
        ("友好都市", "friendship"), ("友好提携", "friendship"), ("友好交流", "friendship"),
        ("友好協力", "friendship"), ("覚書", "mou"), ("MOU", "mou"), ("mou締結", "mou"),
        ("経済交流協定", "economic"), ("友好交流に関する覚書", "mou"),
        ("パートナーシップ", "other"), ("", "other"),
    ],
)
def test_agreement_type(text, kind):
    assert agreement_type(text) == kind


def test_parse_ties_splits_a_cell():
    cell = "上海市(中華人民共和国・S55.11.21友好都市提携)\nドバイ(アラブ首長国連邦・H14.10.29友好提携)、リヨン市(フランス・2007.10.25経済交流協定)"
    ties = parse_ties(cell)
    assert [t.partner_name for t in ties] == ["上海市", "ドバイ", "リヨン市"]
    assert parse_ties("") == []
