"""case work

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import calendar
import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "network_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("org", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("tier", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("retired_on", sa.Date(), nullable=True),
        sa.CheckConstraint("tier IN ('core', 'wider')", name=op.f("ck_network_members_tier")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_members")),
        sa.UniqueConstraint("ref", name=op.f("uq_network_members_ref")),
    )
    op.create_table(
        "consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("youth_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("scope", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("given_by", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("withdrawn", sa.Boolean(), nullable=False),
        sa.CheckConstraint("given_by IN ('youth', 'guardian')", name=op.f("ck_consents_given_by")),
        sa.CheckConstraint(
            "scope IN ('data-sharing', 'participation')", name=op.f("ck_consents_scope")
        ),
        sa.ForeignKeyConstraint(
            ["youth_id"], ["youths.id"], name=op.f("fk_consents_youth_id_youths")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consents")),
    )
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consents_youth_id"), ["youth_id"], unique=False)

    op.create_table(
        "case_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("trusted_person", sa.Boolean(), nullable=False),
        sa.Column("added_on", sa.Date(), nullable=False),
        sa.Column("removed_on", sa.Date(), nullable=True),
        sa.Column("no_consent_reason", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_members_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["network_members.id"],
            name=op.f("fk_case_members_member_id_network_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_members")),
    )
    with op.batch_alter_table("case_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_members_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_members_member_id"), ["member_id"], unique=False)

    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("place", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("with_roles", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("network_meeting", sa.Boolean(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.CheckConstraint(
            "channel IN ('email', 'sms', 'phone', 'meeting', 'online')",
            name=op.f("ck_contacts_channel"),
        ),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_contacts_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
    )
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contacts_case_id"), ["case_id"], unique=False)

    op.create_table(
        "followups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("reached", sa.Boolean(), nullable=True),
        sa.Column("in_education", sa.Boolean(), nullable=True),
        sa.Column("in_employment", sa.Boolean(), nullable=True),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("skip_reason", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.CheckConstraint(
            "status IN ('due', 'done', 'skipped')", name=op.f("ck_followups_status")
        ),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_followups_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_followups")),
    )
    with op.batch_alter_table("followups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_followups_case_id"), ["case_id"], unique=False)

    op.create_table(
        "goals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("added_on", sa.Date(), nullable=False),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("state_date", sa.Date(), nullable=True),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.CheckConstraint("state IN ('open', 'done', 'dropped')", name=op.f("ck_goals_state")),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_goals_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_goals")),
    )
    with op.batch_alter_table("goals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_goals_case_id"), ["case_id"], unique=False)

    op.create_table(
        "needs_assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("neet_months", sa.Integer(), nullable=True),
        sa.Column("motivation", sa.Integer(), nullable=True),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.CheckConstraint(
            "motivation IS NULL OR motivation BETWEEN 1 AND 5",
            name=op.f("ck_needs_assessments_motivation"),
        ),
        sa.CheckConstraint(
            "neet_months IS NULL OR neet_months >= 0", name=op.f("ck_needs_assessments_neet_months")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_needs_assessments_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_needs_assessments")),
    )
    with op.batch_alter_table("needs_assessments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_needs_assessments_case_id"), ["case_id"], unique=False)

    op.create_table(
        "reopenings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("previous_end", sa.Date(), nullable=False),
        sa.Column("previous_reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_reopenings_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reopenings")),
    )
    with op.batch_alter_table("reopenings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reopenings_case_id"), ["case_id"], unique=False)

    op.create_table(
        "stage_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("stage", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_stage_changes_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stage_changes")),
    )
    with op.batch_alter_table("stage_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stage_changes_case_id"), ["case_id"], unique=False)

    op.create_table(
        "support_activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("planned_end", sa.Date(), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("feedback", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("satisfaction", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "status IN ('ongoing', 'completed', 'dropped', 'not-suitable')",
            name=op.f("ck_support_activities_status"),
        ),
        sa.CheckConstraint(
            "satisfaction IS NULL OR satisfaction BETWEEN 1 AND 5",
            name=op.f("ck_support_activities_satisfaction"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_support_activities_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["network_members.id"],
            name=op.f("fk_support_activities_member_id_network_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_activities")),
    )
    with op.batch_alter_table("support_activities", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_support_activities_case_id"), ["case_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_support_activities_member_id"), ["member_id"], unique=False
        )

    op.create_table(
        "support_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("justification", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("answer", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("answered_on", sa.Date(), nullable=True),
        sa.Column("answer_note", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.CheckConstraint(
            "answer IS NULL OR answer IN ('granted', 'refused')",
            name=op.f("ck_support_requests_answer"),
        ),
        sa.CheckConstraint(
            "kind IN ('implementation', 'process-management')",
            name=op.f("ck_support_requests_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_support_requests_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_requests")),
    )
    with op.batch_alter_table("support_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_support_requests_case_id"), ["case_id"], unique=False)

    op.create_table(
        "needs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("category", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["needs_assessments.id"],
            name=op.f("fk_needs_assessment_id_needs_assessments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_needs")),
    )
    with op.batch_alter_table("needs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_needs_assessment_id"), ["assessment_id"], unique=False)

    op.create_table(
        "welfare_scores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("domain", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.CheckConstraint("score BETWEEN 1 AND 5", name=op.f("ck_welfare_scores_score")),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["needs_assessments.id"],
            name=op.f("fk_welfare_scores_assessment_id_needs_assessments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_welfare_scores")),
    )
    with op.batch_alter_table("welfare_scores", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_welfare_scores_assessment_id"), ["assessment_id"], unique=False
        )

    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("instrument", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("in_education", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("in_employment", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("wellbeing_start", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("wellbeing_end", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("satisfaction_manager", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("satisfaction_overall", sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_cases_wellbeing"),
            "(wellbeing_start IS NULL OR wellbeing_start BETWEEN 1 AND 10)"
            " AND (wellbeing_end IS NULL OR wellbeing_end BETWEEN 1 AND 10)",
        )
        batch_op.create_check_constraint(
            op.f("ck_cases_satisfaction"),
            "(satisfaction_manager IS NULL OR satisfaction_manager BETWEEN 1 AND 5)"
            " AND (satisfaction_overall IS NULL OR satisfaction_overall BETWEEN 1 AND 5)",
        )

    _backfill_stages_and_followups()

    # "Support requested" at opening becomes an implementation request dated on the start date.
    op.execute(
        "INSERT INTO support_requests (case_id, number, date, kind)"
        " SELECT id, 1, start_date, 'implementation' FROM cases WHERE support_requested"
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("support_requested")


def _six_months_after(end: dt.date) -> dt.date:
    """Same rule as rvneet.services.followups.due_date, frozen here as of this revision."""
    index = end.month - 1 + 6
    year, month = end.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(end.day, calendar.monthrange(year, month)[1]))


def _backfill_stages_and_followups() -> None:
    """Cases from revision 0001 get their first stage, and closed ones follow-up and its due date."""
    bind = op.get_bind()
    bind.execute(
        sa.text(
            "INSERT INTO stage_changes (case_id, stage, date)"
            " SELECT id, CASE model WHEN 'rv' THEN 'referral' ELSE 'contact' END, start_date"
            " FROM cases ORDER BY id"
        )
    )
    closed = bind.execute(
        sa.text("SELECT id, end_date FROM cases WHERE end_date IS NOT NULL ORDER BY id")
    ).all()
    for case_id, end in closed:
        end_date = dt.date.fromisoformat(str(end))
        bind.execute(
            sa.text(
                "INSERT INTO stage_changes (case_id, stage, date) VALUES (:id, 'follow-up', :end)"
            ),
            {"id": case_id, "end": end_date.isoformat()},
        )
        bind.execute(
            sa.text("INSERT INTO followups (case_id, due, status) VALUES (:id, :due, 'due')"),
            {"id": case_id, "due": _six_months_after(end_date).isoformat()},
        )


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("support_requested", sa.BOOLEAN(), nullable=False, server_default=sa.false())
        )
        batch_op.drop_constraint(op.f("ck_cases_satisfaction"), type_="check")
        batch_op.drop_constraint(op.f("ck_cases_wellbeing"), type_="check")
        batch_op.drop_column("satisfaction_overall")
        batch_op.drop_column("satisfaction_manager")
        batch_op.drop_column("wellbeing_end")
        batch_op.drop_column("wellbeing_start")
        batch_op.drop_column("in_employment")
        batch_op.drop_column("in_education")

    op.execute(
        "UPDATE cases SET support_requested = TRUE WHERE id IN"
        " (SELECT case_id FROM support_requests WHERE kind = 'implementation')"
    )

    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.drop_column("instrument")

    with op.batch_alter_table("welfare_scores", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_welfare_scores_assessment_id"))

    op.drop_table("welfare_scores")
    with op.batch_alter_table("needs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_needs_assessment_id"))

    op.drop_table("needs")
    with op.batch_alter_table("support_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_support_requests_case_id"))

    op.drop_table("support_requests")
    with op.batch_alter_table("support_activities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_support_activities_member_id"))
        batch_op.drop_index(batch_op.f("ix_support_activities_case_id"))

    op.drop_table("support_activities")
    with op.batch_alter_table("stage_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stage_changes_case_id"))

    op.drop_table("stage_changes")
    with op.batch_alter_table("reopenings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reopenings_case_id"))

    op.drop_table("reopenings")
    with op.batch_alter_table("needs_assessments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_needs_assessments_case_id"))

    op.drop_table("needs_assessments")
    with op.batch_alter_table("goals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_goals_case_id"))

    op.drop_table("goals")
    with op.batch_alter_table("followups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_followups_case_id"))

    op.drop_table("followups")
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contacts_case_id"))

    op.drop_table("contacts")
    with op.batch_alter_table("case_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_members_member_id"))
        batch_op.drop_index(batch_op.f("ix_case_members_case_id"))

    op.drop_table("case_members")
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consents_youth_id"))

    op.drop_table("consents")
    op.drop_table("network_members")
