#!/usr/bin/env python3
"""Regenerates data/ukraine/place-names.csv: the Ukrainian and Russian name
of every oblast centre and every town of more than 20,000 people in
data/ukraine/towns.json (GeoNames cities1000, CC BY 4.0).

GeoNames' alternate names carry no language tags, so the script picks
candidates from them by alphabet and closeness to the town's main (Latin)
name, then applies the hand corrections of
data/ukraine/place-name-corrections.csv (geonameid, lang, name, reason):
every ambiguous choice was decided there, by hand, as residents write the
name. corridor's tests hold every name of the table to be among the town's
alternate names or listed as a correction with its reason.

    python3 scripts/place_names.py            # rewrite the table
    python3 scripts/place_names.py --check    # exit 1 if it would change
"""
import csv
import io
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOWNS = ROOT / "data/ukraine/towns.json"
CORRECTIONS = ROOT / "data/ukraine/place-name-corrections.csv"
OUT = ROOT / "data/ukraine/place-names.csv"
MIN_POPULATION = 20000

# The 24 oblast centres, the capital, and the centres of Crimea and
# Sevastopol (GeoNames ids).
OBLAST_CENTRES = {
    703448, 689558, 702569, 709930, 709717, 686967, 690548, 687700, 707471,
    705812, 702658, 702550, 700569, 698740, 696643, 695594, 692194, 691650,
    706483, 706448, 706369, 710791, 710719, 710735, 693805, 694423,
}

# Districts of cities that GeoNames cities1000 lists as places of their own
# (feature code PPLX: Kyiv's Obolon, Donetsk's districts…): not towns; an
# alert names the city. Checked by hand against the list the script prints.
DISTRICTS = {
    13546519, 13580034, 13580095, 688758, 8519916, 13561808, 13607660,
    11778464, 13608465, 13608468, 13607722, 13561146, 13546531, 12167218,
    693821, 711874, 9983718, 13607653, 13609094, 13580094, 13561150,
    13535745, 12500938, 13561143, 697302, 13580098, 703853, 13561228,
    13580041, 13607725, 13580103, 13580130, 13535744, 13535747, 13607656,
    13607658, 13561148, 13645623, 13580096, 699871, 13580126, 13645588,
    691743, 13580112, 13580114, 13580123, 13580117, 13580121, 692909,
    696877, 13580129, 13580125, 13580323, 13607662, 701643, 713195, 700022,
    691605,
    6722148, 13546518, 13546521, 13607718, 13561779, 13607717, 13561145,
    13580316, 13607661, 13607724, 13607719, 13561778, 13607657, 13561144,
    13645605, 13607720, 13607723, 13561149, 13607654, 13580317, 13561142,
    13607659, 13580119, 13546532, 13580115, 13607721, 13580113, 707601,
    693065, 13607655, 13645618, 6723024, 11139621, 13580099, 13608551,
    712631, 13546540, 13580318, 13580124, 13645613, 13607610, 13546520,
    13561777, 13580135, 13645622, 13580324, 13580118, 13580111, 13580127,
    698709, 13589474,
}

# Smaller towns the shipped examples name (the Mariupol route, the Vasylivka
# checkpoint), so that the examples' alerts name them properly too.
EXAMPLES = {689151, 695304, 696677, 698428, 686729}

UK_ONLY = set("іїєґ")
RU_ONLY = set("ыэёъ")
UK_ALPHABET = set("абвгґдеєжзиіїйклмнопрстуфхцчшщьюя'’ʼ- ")
RU_ALPHABET = set("абвгдеёжзийклмнопрстуфхцчшщъыьэюя- ")

LATIN = {
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e",
    "є": "ie", "ё": "e", "ж": "zh", "з": "z", "и": "y", "і": "i", "ї": "i",
    "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p",
    "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e",
    "ю": "iu", "я": "ia", "'": "", "’": "", "ʼ": "",
}


def latin(s):
    return "".join(LATIN.get(c, c) for c in s.lower())


def distance(a, b):
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a):
        cur = [i + 1]
        for j, cb in enumerate(b):
            cur.append(min(prev[j] + (ca != cb), prev[j + 1] + 1, cur[j] + 1))
        prev = cur
    return prev[-1]


def cyrillic(n):
    return any("\u0400" <= c <= "\u04ff" for c in n) and n[:1].isupper() and "\u0301" not in n


def pick(t, lang):
    names = [n for n in t["alternatenames"] if cyrillic(n)]
    alphabet = UK_ALPHABET if lang == "uk" else RU_ALPHABET
    mine = UK_ONLY if lang == "uk" else RU_ONLY
    names = [n for n in names if set(n.lower()) <= alphabet]
    target = latin(t["name"])

    def score(n):
        d = distance(latin(n), target) * 2
        return (d - (1 if set(n.lower()) & mine else 0), -len(n), n)

    names.sort(key=score)
    return names[0] if names else ""


def ru_guesses(uk):
    """What the Russian name would be by the regular correspondences: і as
    и, or as о/е in a closed syllable (Харків, Харьков); ї as и; є as е;
    -ськ as -ск; a final и as ы (Суми, Сумы)."""
    base = uk.lower().replace("'", "").replace("’", "").replace("ʼ", "")
    base = base.replace("є", "е").replace("ї", "и").replace("ґ", "г")
    base = base.replace("ськ", "ск").replace("цьк", "цк").replace("зьк", "зк")
    out = {base.replace("і", "и"), base.replace("і", "о"), base.replace("і", "е")}
    out |= {g[:-1] + "ы" for g in out if g.endswith("и") and g[-2:-1] not in "кгхжшчщ"}
    out |= {g[:-1] + "ое" for g in out if g.endswith("е")}
    out |= {g[:-3] + "ово" for g in out if g.endswith("ове")}
    out |= {g[:-2] + "ая" for g in out if g.endswith("ва")}
    return out


def pick_ru(t, uk):
    """The Russian form: among the names in the Russian alphabet, the one
    closest to the regular correspondence of the Ukrainian name; forms of
    other languages (Belarusian э and ы: Адэса) and inflected forms
    (Полтаве, Херсонскую) count against."""
    guesses = ru_guesses(uk)
    cands = [n for n in t["alternatenames"] if cyrillic(n) and set(n.lower()) <= RU_ALPHABET]

    def score(n):
        low = n.lower()
        d = min(distance(low, g) for g in guesses)
        foreign = sum(1 for i, c in enumerate(low) if c == "э" and i > 0) * 3
        inflected = 3 if low.endswith(("ую", " ош", "ом", "æ")) else 0
        return (d + foreign + inflected + (1 if n == uk else 0), -len(n), n)

    cands.sort(key=score)
    return cands[0] if cands else ""


def main():
    towns = json.loads(TOWNS.read_text(encoding="utf-8"))
    corrections = {}
    with CORRECTIONS.open(encoding="utf-8") as f:
        for row in csv.DictReader(l for l in f if not l.startswith("#")):
            corrections[(int(row["geonameid"]), row["lang"])] = row["name"]
    rows = []
    for t in towns.values():
        gid = int(t["geonameid"])
        if t["population"] <= MIN_POPULATION and gid not in OBLAST_CENTRES | EXAMPLES:
            continue
        if gid in DISTRICTS:
            continue
        uk = corrections.get((gid, "uk")) or pick(t, "uk")
        ru = corrections.get((gid, "ru")) or pick_ru(t, uk)
        rows.append((gid, t["name"], uk, ru, gid in OBLAST_CENTRES, t["population"]))
    rows.sort(key=lambda r: (-r[5], r[0]))
    # Oblast centres, towns over 20,000 people, and the examples' towns.
    out = io.StringIO()
    out.write("# Ukrainian and Russian names of Ukraine's oblast centres, towns of more than 20,000\n")
    out.write("# people and the examples' towns, as residents write them. Made by scripts/place_names.py from\n")
    out.write("# data/ukraine/towns.json (GeoNames, CC BY 4.0) and place-name-corrections.csv.\n")
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["geonameid", "geonames_name", "uk", "ru", "oblast_centre", "population"])
    for gid, name, uk, ru, centre, pop in rows:
        w.writerow([gid, name, uk, ru, "1" if centre else "0", pop])
    text = out.getvalue()
    missing = [r[:2] for r in rows if not r[2] or not r[3]]
    if missing:
        sys.exit(f"no Ukrainian or Russian name for {missing}: add corrections")
    if "--check" in sys.argv:
        if OUT.read_text(encoding="utf-8") != text:
            sys.exit(f"{OUT} is out of date: run scripts/place_names.py")
        return
    OUT.write_text(text, encoding="utf-8")
    print(f"{len(rows)} towns written to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
