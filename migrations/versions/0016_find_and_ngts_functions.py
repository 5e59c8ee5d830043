"""`find` for a case manager and the NGTS import for a coordinator on a PostgreSQL book (issue 18)

PostgreSQL only; on SQLite this revision does nothing (the CLI applies the same rules itself).

Row-level security (0015) hides another case manager's youths entirely, and the coordinator's
column privileges withhold names and personal codes. rvneet's own rules expose both in a limited
form, so two SECURITY DEFINER functions (owned by the owner, search_path pinned, EXECUTE revoked
from PUBLIC) do that work and return no more:

- `rvneet_find_elsewhere(text)`, for a case manager: find's matching (full personal code, its last
  4 digits, birth date, a part of a name or of an NGTS guardian's name folded as find folds it, a
  youth's or case's reference) over the youths the caller cannot see; only (youth reference, has an
  open case). A search by personal code or its last 4 digits writes a `read` entry per youth found
  to the audit log, as find does, so a plain psql call is audited too.
- `rvneet_ngts_match(list_date, fields, rows)`, for a coordinator (and the admin): the known youths
  of an NGTS list's rows (matched by personal code), renaming those the list names otherwise and
  updating their entry on that list, both audited with values redacted as the CLI's import does;
  returns per matched row only the youth's id and reference, whether it was renamed, their entry's
  id and the fields that changed. It reveals what `rvneet import ngts` itself reports, never a name
  or code. `rvneet_ids_given(table)` moves the id sequence of youths or NGTS entries past their
  largest id after the import gave ids itself (setval needs UPDATE on the sequence, which would
  also let the coordinator move it back).

The audit entries of both are appended by `rvneet_audit_append` (not granted to anyone; called by
the two as their owner): the CLI's write lock, then the chain's tail, then the entry with its hash
computed as `storage.audit.entry_hash` does.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CASE_MANAGER = "rvneet_case_manager"
COORDINATOR = "rvneet_coordinator"
ADMIN = "rvneet_admin"
# rvneet.db.WRITE_LOCK: every writing transaction takes it before reading the audit chain's tail.
WRITE_LOCK = 0x72766E656574
# find's longest text (services/find.py LONGEST_TEXT).
LONGEST_TEXT = 200
# Combining marks removed after NFKD, as unicodedata.combining() does for the scripts names use
# (Latin, Greek, Cyrillic, Hebrew, Arabic, and the extended and supplementary mark blocks).
MARKS = (
    "[\\u0300-\\u036f\\u0483-\\u0489\\u0591-\\u05bd\\u05bf\\u05c1\\u05c2\\u05c4\\u05c5\\u05c7"
    "\\u0610-\\u061a\\u064b-\\u065f\\u0670\\u1ab0-\\u1aff\\u1dc0-\\u1dff\\u20d0-\\u20ff"
    "\\ufe20-\\ufe2f]"
)

# services.lookups.folded_name in SQL: NFKD, combining marks removed, lower case (ICU's where the
# server has it: the C locale lowers ASCII only), ß as casefold() gives it, spacing collapsed.
FOLDED = """
CREATE FUNCTION rvneet_folded(name text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT SET search_path = {schema}, pg_temp AS $$
  SELECT btrim(regexp_replace(replace(lower(
           regexp_replace(normalize(name, NFKD), '{marks}', '', 'g'){collate}),
         'ß', 'ss'), '\\s+', ' ', 'g'))
$$"""

AUDIT_APPEND = f"""
CREATE FUNCTION rvneet_audit_append(
  entity text, entity_id integer, entity_ref text, action text, changes text
) RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = {{schema}}, pg_temp AS $$
DECLARE
  prev text;
  stamp text;
  digest text;
BEGIN
  PERFORM pg_advisory_xact_lock({WRITE_LOCK});
  SELECT hash INTO prev FROM audit_log ORDER BY id DESC LIMIT 1;
  prev := coalesce(prev, repeat('0', 64));
  stamp := to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"');
  digest := encode(sha256(convert_to(
      '[' || to_json(prev)::text || ',' || to_json(stamp)::text || ','
      || to_json(session_user::text)::text || ',' || to_json(entity)::text || ','
      || entity_id::text || ',' || coalesce(to_json(entity_ref)::text, 'null') || ','
      || to_json(action)::text || ']' || chr(10) || changes, 'UTF8')), 'hex');
  INSERT INTO audit_log (at, "user", entity, entity_id, entity_ref, action, changes, prev_hash, hash)
  VALUES (stamp, session_user, entity, entity_id, entity_ref, action, changes, prev, digest);
END
$$"""

# Only for an active case manager of this book, and only for a text find accepts (not empty, at
# most LONGEST_TEXT characters once spacing is collapsed); hidden = a youth with a case, none of
# which the caller may use (0015's MY_YOUTH, negated).
FIND_ELSEWHERE = f"""
CREATE FUNCTION rvneet_find_elsewhere(needle text)
RETURNS TABLE (ref text, open_case_elsewhere boolean)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = {{schema}}, pg_temp AS $$
DECLARE
  t text := btrim(regexp_replace(coalesce(needle, ''), '\\s+', ' ', 'g'));
  digits text := regexp_replace(coalesce(needle, ''), '\\s', '', 'g');
  ids integer[];
  day date;
  key text;
BEGIN
  IF rvneet_my_role() IS DISTINCT FROM 'case-manager' OR t = ''
     OR length(t) > {LONGEST_TEXT} THEN
    RETURN;
  END IF;
  IF t ~* '^Y-[0-9]+$' THEN
    ids := ARRAY(SELECT y.id FROM youths y WHERE y.ref = upper(t));
  ELSIF t ~* '^(RV|NEET)-[0-9]{{4}}-[0-9]+$' THEN
    ids := ARRAY(SELECT c.youth_id FROM cases c WHERE c.ref = upper(t));
  ELSIF t ~* '^(M|S)-[0-9]+$' THEN
    RETURN;
  ELSIF digits ~ '^[0-9]{{11}}$' OR digits ~ '^[0-9]{{4}}$' THEN
    -- An audited read, as find's: one entry per youth found, naming the reference only.
    ids := ARRAY(SELECT y.id FROM youths y
                  WHERE CASE WHEN length(digits) = 11 THEN y.id_code = digits
                             ELSE right(y.id_code, 4) = digits END
                    AND y.id IN (SELECT rvneet_youths_with_cases())
                    AND y.id NOT IN (SELECT rvneet_my_youth_ids())
                  ORDER BY y.id);
    PERFORM rvneet_audit_append('youths', y.id, y.ref, 'read', '{{}}')
       FROM youths y WHERE y.id = ANY(ids) ORDER BY y.id;
  ELSIF t ~ '^([0-9]{{1,2}}\\.[0-9]{{1,2}}\\.[0-9]{{4}}|[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}})$' THEN
    BEGIN
      day := CASE WHEN t ~ '-' THEN make_date(split_part(t, '-', 1)::int,
                                              split_part(t, '-', 2)::int,
                                              split_part(t, '-', 3)::int)
                  ELSE make_date(split_part(t, '.', 3)::int, split_part(t, '.', 2)::int,
                                 split_part(t, '.', 1)::int) END;
    EXCEPTION WHEN others THEN
      RETURN;  -- no such day: find refuses it
    END;
    ids := ARRAY(SELECT y.id FROM youths y WHERE y.birth_date = day);
  ELSE
    key := rvneet_folded(t);
    ids := ARRAY(
      SELECT y.id FROM youths y
       WHERE y.erased_on IS NULL AND strpos(rvneet_folded(y.name), key) > 0
      UNION
      SELECT e.youth_id FROM ngts_entries e JOIN youths y ON y.id = e.youth_id
       WHERE y.erased_on IS NULL AND e.guardian IS NOT NULL
         AND strpos(rvneet_folded(e.guardian), key) > 0);
  END IF;
  RETURN QUERY
    SELECT y.ref::text,
           EXISTS (SELECT 1 FROM cases c WHERE c.youth_id = y.id AND c.end_date IS NULL)
      FROM youths y
     WHERE y.id = ANY(ids)
       AND y.id IN (SELECT rvneet_youths_with_cases())
       AND y.id NOT IN (SELECT rvneet_my_youth_ids())
     ORDER BY y.ref;
END
$$"""

# The entry fields an NGTS list gives (services/outreach.py ENTRY_FIELDS); every one is redacted
# in the audit log (a contact, or free text an employer's name is in).
ENTRY_FIELDS = (
    "phone",
    "email",
    "address",
    "guardian",
    "guardian_contact",
    "last_education",
    "last_employment",
)
_ROW_TYPE = ", ".join(
    ["i integer", "id_code text", "name text", *(f"{f} text" for f in ENTRY_FIELDS)]
)
_ASSIGN = ", ".join(
    f"{f} = CASE WHEN {f!r} = ANY(fields) THEN r.{f} ELSE e.{f} END" for f in ENTRY_FIELDS
)
# A changed field as the log records it: [old, new], each null or "[redacted]"; keys sorted and
# spaced as json.dumps(sort_keys=True) writes them (services.audit.audit_bulk).
NGTS_MATCH = f"""
CREATE FUNCTION rvneet_ngts_match(list_date date, fields text[], rows jsonb)
RETURNS TABLE (i integer, youth_id integer, ref text, renamed boolean, entry_id integer,
               changed text[])
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = {{schema}}, pg_temp AS $$
DECLARE
  r record;
  given jsonb;
  stored jsonb;
  diff text[];
  redacted CONSTANT text := '"[redacted]"';
BEGIN
  IF rvneet_my_role() IS DISTINCT FROM 'coordinator' AND rvneet_my_role() IS DISTINCT FROM 'admin'
  THEN
    RAISE EXCEPTION 'permission denied for function rvneet_ngts_match' USING ERRCODE = '42501';
  END IF;
  FOR r IN
    SELECT x.*, y.id AS yid, y.ref AS yref, y.name AS yname, e.id AS eid
      FROM jsonb_to_recordset(rows) AS x({_ROW_TYPE})
      JOIN youths y ON y.id_code = x.id_code AND y.erased_on IS NULL
      LEFT JOIN ngts_entries e ON e.youth_id = y.id AND e.list_date = rvneet_ngts_match.list_date
     WHERE nullif(btrim(x.name), '') IS NOT NULL
     ORDER BY x.i
  LOOP
    i := r.i;
    youth_id := r.yid;
    ref := r.yref;
    entry_id := r.eid;
    renamed := r.yname IS DISTINCT FROM r.name;
    changed := ARRAY[]::text[];
    IF renamed THEN
      UPDATE youths SET name = r.name WHERE id = r.yid;
      PERFORM rvneet_audit_append('youths', r.yid, r.yref, 'update',
                                  '{{"name": [' || redacted || ', ' || redacted || ']}}');
    END IF;
    IF r.eid IS NOT NULL THEN
      given := to_jsonb(r);
      SELECT to_jsonb(e) INTO stored FROM ngts_entries e WHERE e.id = r.eid;
      diff := ARRAY(SELECT f FROM unnest(fields) AS f
                     WHERE f IN ({", ".join(repr(f) for f in ENTRY_FIELDS)})
                       AND stored -> f IS DISTINCT FROM given -> f ORDER BY f);
      IF cardinality(diff) > 0 THEN
        UPDATE ngts_entries e SET {_ASSIGN} WHERE e.id = r.eid;
        PERFORM rvneet_audit_append('ngts_entries', r.eid, r.yref, 'update',
          '{{' || array_to_string(ARRAY(
             SELECT to_json(f)::text || ': ['
                    || CASE WHEN stored ->> f IS NULL THEN 'null' ELSE redacted END || ', '
                    || CASE WHEN given ->> f IS NULL THEN 'null' ELSE redacted END || ']'
               FROM unnest(diff) AS f ORDER BY f), ', ') || '}}');
        changed := diff;
      END IF;
    END IF;
    RETURN NEXT;
  END LOOP;
END
$$"""

# storage.dialect.ids_given for a login that may not set a sequence (setval needs UPDATE on it,
# which would let the coordinator move it back): only past the table's largest id, only for the
# tables the NGTS import inserts into with ids of its own.
IDS_GIVEN = """
CREATE FUNCTION rvneet_ids_given(tbl text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
BEGIN
  IF tbl = 'youths' THEN
    PERFORM setval(pg_get_serial_sequence('youths', 'id'),
                   (SELECT COALESCE(MAX(id), 0) + 1 FROM youths), false);
  ELSIF tbl = 'ngts_entries' THEN
    PERFORM setval(pg_get_serial_sequence('ngts_entries', 'id'),
                   (SELECT COALESCE(MAX(id), 0) + 1 FROM ngts_entries), false);
  END IF;
END
$$"""

FUNCTIONS = {
    "rvneet_folded(text)": FOLDED,
    "rvneet_audit_append(text, integer, text, text, text)": AUDIT_APPEND,
    "rvneet_find_elsewhere(text)": FIND_ELSEWHERE,
    "rvneet_ngts_match(date, text[], jsonb)": NGTS_MATCH,
    "rvneet_ids_given(text)": IDS_GIVEN,
}
GRANTS = {
    "rvneet_find_elsewhere(text)": (CASE_MANAGER, ADMIN),
    "rvneet_ngts_match(date, text[], jsonb)": (COORDINATOR, ADMIN),
    "rvneet_ids_given(text)": (COORDINATOR, ADMIN),
}


def upgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name != "postgresql":
        return
    schema = connection.exec_driver_sql("SELECT quote_ident(current_schema())").scalar()
    icu = connection.exec_driver_sql(
        "SELECT 1 FROM pg_collation WHERE collname = 'und-x-icu'"
    ).scalar()
    collate = ' COLLATE "und-x-icu"' if icu else ""
    for signature, body in FUNCTIONS.items():
        # Placeholders replaced, not str.format: the bodies hold braces of their own.
        sql = body.replace("{schema}", schema).replace("{marks}", MARKS)
        op.execute(sql.replace("{collate}", collate))
        op.execute(f"REVOKE EXECUTE ON FUNCTION {signature} FROM PUBLIC")
    for signature, groups in GRANTS.items():
        op.execute(f"GRANT EXECUTE ON FUNCTION {signature} TO {', '.join(groups)}")


def downgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name != "postgresql":
        return
    for signature in reversed(FUNCTIONS):
        op.execute(f"DROP FUNCTION {signature}")
