#!/bin/sh
# Loads the demo case book: an RV agreement, eight made-up youths, five RV and three NEET cases (2024–2025), a network
# of specialists, two cases with full histories (RV-2025-001 and NEET-2025-001), and the NGTS list of
# March 2025 (examples/ngts-2025-03.csv), which adds three youths, two of them phoned without a case
# (rvneet outreach attempt); then more NEET work for the NEET evaluation (rvneet report neet), with a
# fourth NEET case; and 360° feedback for 2025 among network members (rvneet report feedback).
# Every name and personal code here is invented; the codes are valid only in their check digit.
# Usage: RVNEET_DB=demo.db sh examples/load.sh   (runs `rvneet` from PATH, about a second a command)
#    or: RVNEET_DB=demo.db python examples/load.py examples/load.sh   (the same, in one process)
# Keep to one `rvneet` command a line (a trailing backslash continues it): load.py reads it too.
set -eu

rvneet init --municipality "Viljandi linn"

# The staff (S-0001 ...), with the logins RVNEET_USER gives when they work: Kadri is the book's
# admin and manages cases too; Tiit and Merike are case managers; Anne is the coordinator.
rvneet staff add --name "Kadri Põld" --user kadri --role admin --email kadri.pold@example.ee --capacity 12
rvneet staff add --name "Tiit Org" --user tiit --capacity 10
rvneet staff add --name "Merike Vaher" --user merike --capacity 6
rvneet staff add --name "Anne Allik" --user aallik --role coordinator
# The RV cooperation agreement with SKA: its period, case limit (clause 4.3) and the Lisa 4
# deadlines (4.4). The five RV cases below are within it.
rvneet agreement add --number 2-10/29628-1 --signed 2024-08-26 --start 2024-09-01 \
  --end 2025-12-31 --case-limit 5 --kov-contact "Maria Lepp" \
  --deadline 2025H1=2025-07-15 --deadline 2025H2=2026-01-15

# Youths: with a personal code (birth date and sex come from it) or, for foreign nationals, without.
rvneet youth add --name "Karl Tamm" --id-code 50911180124
rvneet youth add --name "Liisa Kask" --id-code 61103050235
rvneet youth add --name "Markus Saar" --id-code 50806210348
rvneet youth add --name "Eliise Mägi" --id-code 60712120453
rvneet youth add --name "Rasmus Ilves" --birth-date 2010-09-30 --sex M
rvneet youth add --name "Sander Lepik" --id-code 39908150564
rvneet youth add --name "Anete Kuusk" --id-code 60304020670
rvneet youth add --name "Kätlin Oja" --birth-date 2009-01-15 --sex F

# Consent to take part and to share data: from the guardian for minors, from the youth otherwise.
rvneet youth consent Y-0001 --date 2024-09-02 --scope participation --given-by guardian
rvneet youth consent Y-0001 --date 2024-09-02 --scope data-sharing --given-by guardian
rvneet youth consent Y-0002 --date 2024-09-02 --scope participation --given-by guardian
rvneet youth consent Y-0002 --date 2024-09-02 --scope data-sharing --given-by guardian
rvneet youth consent Y-0003 --date 2024-09-02 --scope participation --given-by guardian
rvneet youth consent Y-0003 --date 2024-09-02 --scope data-sharing --given-by guardian
rvneet youth consent Y-0004 --date 2024-09-02 --scope participation --given-by guardian
rvneet youth consent Y-0004 --date 2024-09-02 --scope data-sharing --given-by guardian
rvneet youth consent Y-0005 --date 2024-09-02 --scope participation --given-by guardian
rvneet youth consent Y-0005 --date 2024-09-02 --scope data-sharing --given-by guardian
rvneet youth consent Y-0008 --date 2024-09-02 --scope participation --given-by guardian
rvneet youth consent Y-0008 --date 2024-09-02 --scope data-sharing --given-by guardian
rvneet youth consent Y-0006 --date 2025-01-20 --scope participation --given-by youth
rvneet youth consent Y-0006 --date 2025-01-20 --scope data-sharing --given-by youth
rvneet youth consent Y-0007 --date 2025-01-20 --scope participation --given-by youth
rvneet youth consent Y-0007 --date 2025-01-20 --scope data-sharing --given-by youth

# The network (võrgustik): M-001 ... M-005.
rvneet network add --name "Kadri Põld" --role child-protection --org "Viljandi Linnavalitsus"
rvneet network add --name "Priit Raud" --role police --org "Lõuna prefektuur"
rvneet network add --name "Kati Kask" --role youth-worker --org "Viljandi noortekeskus"
rvneet network add --name "Urmas Lill" --role tootukassa --org "Töötukassa Viljandimaa" --wider
rvneet network add --name "Helen Mets" --role psychologist --org "Viljandi haigla" --wider

# Ringist välja cases (12–18-year-olds with medium or high risk behaviour).
rvneet case open --youth Y-0003 --model rv --start 2024-09-16 --risk high \
  --manager S-0001 --support-requested
rvneet case assess RV-2024-001 --date 2025-02-10 --risk medium
rvneet case close RV-2024-001 --end 2025-09-30 --reason goals-met
rvneet followup record RV-2024-001 --date 2026-04-02 --reached yes --education yes

rvneet case open --youth Y-0004 --model rv --start 2024-11-04 --risk medium --manager S-0001
rvneet case close RV-2024-002 --end 2025-01-15 --reason moved
rvneet followup skip RV-2024-002 --reason "moved to another municipality"

# RV-2025-001: a full Ringist välja history.
rvneet case open --youth Y-0001 --model rv --start 2025-02-03 --risk high --instrument "SAVRY" \
  --manager S-0001 --support-requested
rvneet case contact RV-2025-001 --date 2025-02-05 --channel phone
rvneet case contact RV-2025-001 --date 2025-02-12 --channel meeting --place "Viljandi noortekeskus"
rvneet case stage RV-2025-001 risk-assessment --date 2025-02-12
rvneet case member add RV-2025-001 M-001 --date 2025-02-20
rvneet case member add RV-2025-001 M-002 --date 2025-02-20
rvneet case member add RV-2025-001 M-003 --date 2025-02-24 --trusted-person
rvneet case stage RV-2025-001 network --date 2025-02-24
rvneet case contact RV-2025-001 --date 2025-02-27 --channel meeting --network \
  --with child-protection --with police --with youth-worker
rvneet case stage RV-2025-001 action-plan --date 2025-03-06
rvneet case goal add RV-2025-001 "Attend school every day" --date 2025-03-06 --due 2025-06-13
rvneet case goal add RV-2025-001 "No new offences for three months" --date 2025-03-06 --due 2025-06-06
rvneet case activity add RV-2025-001 --member M-003 --kind "weekly youth club" \
  --start 2025-03-10 --end 2025-06-13
rvneet case support-request RV-2025-001 --date 2025-03-12 --kind process-management \
  --justification "five agencies involved and repeated offences"
rvneet case support-answer RV-2025-001 2 --date 2025-03-26 --granted
rvneet case stage RV-2025-001 implementation --date 2025-03-20
rvneet case contact RV-2025-001 --date 2025-04-24 --channel meeting --network --with police
rvneet case contact RV-2025-001 --date 2025-06-05 --channel meeting --network --with youth-worker
rvneet case goal done RV-2025-001 2 --date 2025-06-06
rvneet case goal done RV-2025-001 1 --date 2025-06-13
rvneet case activity end RV-2025-001 1 --date 2025-06-13 --status completed --satisfaction 5
rvneet case assess RV-2025-001 --date 2025-08-11 --risk medium --instrument "SAVRY"

rvneet case open --youth Y-0002 --model rv --start 2025-04-14 --risk medium --manager S-0002
rvneet case assess RV-2025-002 --date 2025-06-02 --risk high

rvneet case open --youth Y-0005 --model rv --start 2025-07-01 --risk high --manager S-0002

# NEET-2025-001: a full NEET cooperation model history, closed and due for its follow-up.
rvneet case open --youth Y-0006 --model neet --group neet --start 2025-01-20 --light red \
  --manager S-0003 --channel referral
rvneet case contact NEET-2025-001 --date 2025-01-22 --channel sms
rvneet case contact NEET-2025-001 --date 2025-01-28 --channel meeting --place "kohvik Kesklinnas"
rvneet case stage NEET-2025-001 needs-and-goals --date 2025-01-28
rvneet case needs NEET-2025-001 --date 2025-01-28 --need education --need work --need health \
  --neet-months 14 --motivation 2
rvneet case goal add NEET-2025-001 "Finish basic school in the adult gymnasium" \
  --date 2025-02-04 --due 2025-06-30
rvneet case goal add NEET-2025-001 "Find a summer job" --date 2025-02-04 --due 2025-08-31
rvneet case member add NEET-2025-001 M-004 --date 2025-02-04
rvneet case member add NEET-2025-001 M-005 --date 2025-02-04
rvneet case stage NEET-2025-001 action --date 2025-02-10
rvneet case activity add NEET-2025-001 --member M-004 --kind "career counselling" \
  --start 2025-02-10 --end 2025-04-30
rvneet case activity add NEET-2025-001 --member M-005 --kind "counselling sessions" --start 2025-02-17
rvneet case stage NEET-2025-001 support --date 2025-03-03
rvneet case assess NEET-2025-001 --date 2025-04-01 --light yellow
rvneet case activity end NEET-2025-001 1 --date 2025-04-28 --status completed --satisfaction 4
rvneet case goal done NEET-2025-001 2 --date 2025-06-16
rvneet case goal drop NEET-2025-001 1 --date 2025-06-30 --reason "chose a vocational school instead"
rvneet case activity end NEET-2025-001 2 --date 2025-09-30 --status completed --satisfaction 5
rvneet case stage NEET-2025-001 resolution --date 2025-10-15
rvneet case close NEET-2025-001 --end 2025-10-31 --reason goals-met --education yes \
  --employment yes --wellbeing-start 3 --wellbeing-end 7 --satisfaction-manager 5 \
  --satisfaction-overall 4

rvneet case open --youth Y-0007 --model neet --group neet --start 2025-03-10 --light yellow \
  --manager S-0003 --channel mobile-youth-work
rvneet case open --youth Y-0008 --model neet --group risk --start 2025-05-05 --light red \
  --manager S-0003 --channel school

# The NGTS monitoring list of March 2025 (examples/ngts-2025-03.csv, as Estonian Excel saves it:
# ';' and Windows-1257): three new youths, three already in the book, one of them in an open case.
rvneet import ngts examples/ngts-2025-03.csv --list-date 2025-03-15
# Outreach: the youth in the open case was phoned after the list came.
rvneet case contact NEET-2025-002 --date 2025-03-20 --channel phone
# Outreach without a case: two youths of the list phoned; one did not answer, the other works now
# (rvneet outreach list shows the last attempt; check counts an attempt as contact).
rvneet outreach attempt Y-0009 --date 2025-03-25 --channel phone --result no-answer
rvneet outreach attempt Y-0010 --date 2025-03-26 --channel phone --result not-neet

# Youths a coordinator keeps in Excel (examples/noored.xlsx: Estonian headers, one without a
# personal code); importing it a second time would change nothing.
rvneet import youths examples/noored.xlsx

# More NEET work, for the NEET evaluation (rvneet report neet --period 2025): needs, traffic lights,
# goals, and a fourth NEET case for a youth who came by themselves. Dated so that the workload
# (as of 2025-06-30), follow-up (2026) and check (2025H1) outputs in docs/reports.md stay as they are.
rvneet case needs NEET-2025-002 --date 2025-03-27 --need education --need work --neet-months 9 \
  --motivation 3
rvneet case goal add NEET-2025-002 "Start a vocational course" --date 2025-03-27 --due 2025-09-01
rvneet case assess NEET-2025-002 --date 2025-09-15 --light green
rvneet case contact NEET-2025-003 --date 2025-05-06 --channel sms
rvneet case needs NEET-2025-003 --date 2025-05-13 --need education --need risk-behaviour \
  --neet-months 0 --motivation 4
rvneet case goal add NEET-2025-003 "Finish the school year" --date 2025-05-13 --due 2025-06-13
rvneet case goal done NEET-2025-003 1 --date 2025-06-13
rvneet case assess NEET-2025-003 --date 2025-09-01 --light yellow
rvneet youth add --name "Kristjan Lõhmus" --birth-date 2003-09-09 --sex M
rvneet youth consent Y-0018 --date 2025-07-07 --scope participation --given-by youth
rvneet case open --youth Y-0018 --model neet --group neet --start 2025-07-07 --light red \
  --manager S-0003 --channel self
rvneet case contact NEET-2025-004 --date 2025-07-08 --channel phone
rvneet case needs NEET-2025-004 --date 2025-07-15 --need work --need health --need obligations \
  --neet-months 20 --motivation 2
rvneet case goal add NEET-2025-004 "Register with Töötukassa" --date 2025-07-15
rvneet case goal add NEET-2025-004 "Start debt counselling" --date 2025-07-15
rvneet case goal done NEET-2025-004 1 --date 2025-08-04
rvneet case assess NEET-2025-004 --date 2025-10-10 --light yellow

# 360° feedback for 2025 among network members (NEET model, Table 1 row 4; rvneet report feedback
# --period 2025): the network lead (M-006) and a youth case manager (M-007) join the network, and
# six members rate them, overall and on the seed's aspects. One record per score.
rvneet network add --name "Maarja Ilves" --role network-lead --org "Viljandi Linnavalitsus"
rvneet network add --name "Rein Saar" --role youth-case-manager --org "Viljandi Linnavalitsus"
rvneet feedback add --period 2025 --from M-001 --about M-006 --score 4
rvneet feedback add --period 2025 --from M-002 --about M-006 --score 5
rvneet feedback add --period 2025 --from M-003 --about M-006 --score 4
rvneet feedback add --period 2025 --from M-001 --about-role network-lead --aspect planning --score 4
rvneet feedback add --period 2025 --from M-002 --about-role network-lead --aspect planning --score 3
rvneet feedback add --period 2025 --from M-003 --about-role network-lead --aspect planning --score 5
rvneet feedback add --period 2025 --from M-001 --about M-007 --aspect information-flow --score 5
rvneet feedback add --period 2025 --from M-002 --about M-007 --aspect information-flow --score 4
rvneet feedback add --period 2025 --from M-003 --about M-007 --aspect information-flow --score 4
rvneet feedback add --period 2025 --from M-004 --about M-007 --aspect keeping-agreements --score 5
rvneet feedback add --period 2025 --from M-005 --about M-007 --aspect keeping-agreements --score 4
rvneet feedback add --period 2025 --from M-006 --about M-007 --aspect keeping-agreements --score 5
