from decimal import Decimal

import pytest

from registry.parsing.text import match_key, normalize_cell, parse_int_cell, split_multi


@pytest.mark.parametrize(
    "value, expected",
    [
        (None, ""),
        (4, "4"),
        (4.0, "4"),
        (4.5, "4.5"),
        (Decimal("12.00"), "12"),
        (float("nan"), ""),
        ("  上海  ", "上海"),
        ("\u3000上海\u3000", "上海"),
        ("ＡＢＣ１２３", "ABC123"),
        ("上海\n\n香港", "上海 香港"),
        ("ｶﾀｶﾅ", "カタカナ"),
    ],
)
def test_normalize_cell(value, expected):
    assert normalize_cell(value) == expected


@pytest.mark.parametrize("blank", ["-", "－", "ー", "―", "—", "−", "–", "なし", " - ", "\u3000なし"])
def test_normalize_cell_blank_markers(blank):
    assert normalize_cell(blank) == ""


def test_normalize_cell_keeps_dash_inside_text():
    assert normalize_cell("ホーチミン-市") == "ホーチミン-市"


@pytest.mark.parametrize(
    "variant",
    [
        "㈱フォーバル",
        "(株)フォーバル",
        "（株）フォーバル",
        "株式会社フォーバル",
        "株式会社 フォーバル",
        "株式会社\u3000フォーバル",
        "フォーバル株式会社",
        "ﾌｫｰﾊﾞﾙ㈱",
    ],
)
def test_match_key_ignores_company_form(variant):
    assert match_key(variant) == match_key("フォーバル") == "フォーバル"


@pytest.mark.parametrize(
    "variants",
    [
        ("㈲山田商事", "(有)山田商事", "有限会社山田商事"),
        ("(公財)国際交流協会", "公益財団法人 国際交流協会"),
        ("(一財)自治体国際化協会", "一般財団法人自治体国際化協会"),
        ("(公社)日本観光協会", "公益社団法人日本観光協会"),
        ("(一社)日本貿易会", "一般社団法人 日本貿易会"),
        ("(財)海外協会", "財団法人海外協会", "㈶海外協会"),
        ("(社)海外協会", "社団法人海外協会"),
    ],
)
def test_match_key_legal_forms(variants):
    assert len({match_key(v) for v in variants}) == 1


def test_match_key_ignores_case_space_and_punctuation():
    assert match_key("JETRO・Osaka (Office)") == match_key("jetro osaka office")
    assert match_key("「日中」交流，センター.") == match_key("日中交流センター")


def test_match_key_keeps_different_names_apart():
    assert match_key("株式会社フォーバル") != match_key("株式会社フォーバル東京")
    assert match_key(None) == ""


@pytest.mark.parametrize(
    "cell, expected",
    [
        ("中国/韓国", ["中国", "韓国"]),
        ("中国／韓国", ["中国", "韓国"]),
        ("中国、韓国、台湾", ["中国", "韓国", "台湾"]),
        ("中国，韓国,台湾;タイ", ["中国", "韓国", "台湾", "タイ"]),
        ("中国\n韓国", ["中国", "韓国"]),
        ("中国 韓国\u3000台湾", ["中国", "韓国", "台湾"]),
        ("上海・香港", ["上海", "香港"]),
        ("スパン・ジャヤ", ["スパン・ジャヤ"]),
        ("ムンバイ(オランガバード)", ["ムンバイ(オランガバード)"]),
        ("ムンバイ（オランガバード、プネ）/デリー", ["ムンバイ(オランガバード、プネ)", "デリー"]),
        ("中国/中国/韓国/中国", ["中国", "韓国"]),
        (" / 中国 //", ["中国"]),
        ("Hong Kong, New York", ["Hong Kong", "New York"]),
        ("", []),
        (None, []),
        ("-", []),
    ],
)
def test_split_multi(cell, expected):
    assert split_multi(cell) == expected


@pytest.mark.parametrize(
    "value, expected",
    [(3, 3), ("3", 3), ("3名", 3), ("３人", 3), ("1.0", 1), (2.0, 2), ("1,200", 1200), ("0", 0), ("", None), (None, None), ("-", None)],
)
def test_parse_int_cell(value, expected):
    assert parse_int_cell(value) == expected


@pytest.mark.parametrize(
    "value, message",
    [("-1", "負の数"), (-2, "負の数"), ("abc", "数値ではありません"), ("1.5", "整数ではありません"), ("3名程度", "数値ではありません"), (True, "数値ではありません")],
)
def test_parse_int_cell_errors(value, message):
    with pytest.raises(ValueError, match=message):
        parse_int_cell(value)
