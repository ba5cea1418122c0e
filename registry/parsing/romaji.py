"""Kana to simplified Hepburn, for English names of municipalities (no macrons)."""
import unicodedata

_SYLLABLES = dict(
    zip(
        "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをん"
        "がぎぐげござじずぜぞだぢづでどばびぶべぼぱぴぷぺぽゔ",
        "a i u e o ka ki ku ke ko sa shi su se so ta chi tsu te to na ni nu ne no ha hi fu he ho "
        "ma mi mu me mo ya yu yo ra ri ru re ro wa o n "
        "ga gi gu ge go za ji zu ze zo da ji zu de do ba bi bu be bo pa pi pu pe po vu".split(),
    )
)
_SMALL_Y = {"ゃ": "a", "ゅ": "u", "ょ": "o"}
_SMALL_VOWELS = {"ぁ": "a", "ぃ": "i", "ぅ": "u", "ぇ": "e", "ぉ": "o"}


def _to_hiragana(text):
    return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in text)


def kana_to_romaji(kana):
    text = _to_hiragana(unicodedata.normalize("NFKC", kana))
    out = []
    double_next = False
    for char in text:
        if char == "っ":
            double_next = True
            continue
        if char in _SMALL_Y and out:
            previous = out.pop()
            stem = previous[:-1] if previous in ("shi", "chi", "ji") else previous[:-1] + "y"
            out.append(stem + _SMALL_Y[char])
            continue
        if char in _SMALL_VOWELS and out:
            out.append(out.pop()[:-1] + _SMALL_VOWELS[char])
            continue
        syllable = _SYLLABLES.get(char, char if char.isascii() else "")
        if double_next and syllable:
            syllable = ("t" if syllable.startswith("ch") else syllable[0]) + syllable
        double_next = False
        out.append(syllable)
    word = "".join(out)
    for long_vowel, short in (("ou", "o"), ("oo", "o"), ("uu", "u")):
        word = word.replace(long_vowel, short)
    return word
