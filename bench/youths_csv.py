"""Write a synthetic youths CSV for the import benchmark: made-up names and valid personal codes.

Usage: python bench/youths_csv.py ROWS FILE [--seed S]
"""

from __future__ import annotations

import argparse
import csv
import random
from pathlib import Path

from stdnum.ee import ik

FIRST = ["Mari", "Jüri", "Kätlin", "Märt", "Liisa", "Oskar", "Anete", "Rasmus", "Kristi", "Tõnu"]
LAST = ["Tamm", "Saar", "Kask", "Õunapuu", "Põder", "Kõiv", "Mägi", "Lepik", "Šmidt", "Ülevoog"]


def personal_code(rng: random.Random, serial: int) -> str:
    """A valid made-up personal code of someone born 1996–2012; unique for each serial < 1000 per day."""
    year = rng.randint(1996, 2012)
    century_sex = (3 if year < 2000 else 5) + rng.randint(0, 1)
    month, day = rng.randint(1, 12), rng.randint(1, 28)
    first_ten = f"{century_sex}{year % 100:02d}{month:02d}{day:02d}{serial % 1000:03d}"
    return first_ten + ik.calc_check_digit(first_ten + "0")


def main() -> None:
    """Write the file."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("rows", type=int)
    parser.add_argument("file", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    seen: set[str] = set()
    with args.file.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["nimi", "isikukood"])
        while len(seen) < args.rows:
            code = personal_code(rng, rng.randrange(1000))
            if code in seen:
                continue
            seen.add(code)
            writer.writerow([f"{rng.choice(FIRST)} {rng.choice(LAST)}", code])


if __name__ == "__main__":
    main()
