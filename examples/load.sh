#!/bin/sh
# Loads the demo case book: eight made-up youths, five RV cases and three NEET cases (2024–2025).
# Every name and personal code here is invented; the codes are valid only in their check digit.
# Usage: RVNEET_DB=demo.db sh examples/load.sh   (runs `rvneet` from PATH)
set -eu

rvneet init --municipality "Viljandi linn"

# Youths: with a personal code (birth date and sex come from it) or, for foreign nationals, without.
rvneet youth add --name "Karl Tamm" --id-code 50911180124
rvneet youth add --name "Liisa Kask" --id-code 61103050235
rvneet youth add --name "Markus Saar" --id-code 50806210348
rvneet youth add --name "Eliise Mägi" --id-code 60712120453
rvneet youth add --name "Rasmus Ilves" --birth-date 2010-09-30 --sex M
rvneet youth add --name "Sander Lepik" --id-code 39908150564
rvneet youth add --name "Anete Kuusk" --id-code 60304020670
rvneet youth add --name "Kätlin Oja" --birth-date 2009-01-15 --sex F

# Ringist välja cases (12–18-year-olds with medium or high risk behaviour).
rvneet case open --youth Y-0003 --model rv --start 2024-09-16 --risk high \
  --manager "Kadri Põld" --support-requested
rvneet case assess RV-2024-001 --date 2025-02-10 --risk medium
rvneet case close RV-2024-001 --end 2025-09-30 --reason goals-met

rvneet case open --youth Y-0004 --model rv --start 2024-11-04 --risk medium --manager "Kadri Põld"
rvneet case close RV-2024-002 --end 2025-01-15 --reason moved

rvneet case open --youth Y-0001 --model rv --start 2025-02-03 --risk high \
  --manager "Kadri Põld" --support-requested
rvneet case assess RV-2025-001 --date 2025-08-11 --risk medium

rvneet case open --youth Y-0002 --model rv --start 2025-04-14 --risk medium --manager "Tiit Org"
rvneet case assess RV-2025-002 --date 2025-06-02 --risk high

rvneet case open --youth Y-0005 --model rv --start 2025-07-01 --risk high --manager "Tiit Org"

# NEET cooperation model cases (traffic light of the situation; group neet 15–29 or risk 14–19).
rvneet case open --youth Y-0006 --model neet --group neet --start 2025-01-20 --light red \
  --manager "Merike Vaher"
rvneet case assess NEET-2025-001 --date 2025-04-01 --light yellow
rvneet case close NEET-2025-001 --end 2025-10-31 --reason goals-met

rvneet case open --youth Y-0007 --model neet --group neet --start 2025-03-10 --light yellow \
  --manager "Merike Vaher"
rvneet case open --youth Y-0008 --model neet --group risk --start 2025-05-05 --light red \
  --manager "Merike Vaher"
