"""Database schema as forward-only migrations.

Each migration is applied once, in order, inside a transaction, and recorded in
``schema_version``. Never edit a migration that has landed: append a new one.

Canonical tables (what import fills and statistics read):

deals
    One row per opportunity. ``outcome`` is normalised to ``won`` / ``lost`` /
    ``open``; ``stage`` keeps the CRM's label. ``close_date`` may be NULL only for
    open deals; ``amount`` may be NULL only for open or lost deals.
activities
    ``count`` activities of one normalised ``type`` (call, email, meeting, demo,
    proposal, other) by ``rep`` on ``activity_date`` (pre-counted exports store
    the first day of their period). ``activity_id`` is the file's id; a log
    without one stores NULL and ``key_seq``, the row's place among the file's
    rows with its rep, date and ``raw_type`` (migration 7).
reps
    The roster. ``end_date`` NULL means still active, unless ``active`` is false (migration 8: the
    roster's own active or status column, NULL when it has none): such a rep's span ends at their
    last deal or activity.
quotas
    Past or planned targets imported from the CRM, as an interval
    [period_start, period_end] so any grain can aggregate them.
"""

from __future__ import annotations

MIGRATIONS: list[tuple[int, str, str]] = [
    (
        1,
        "canonical tables, import log and quarantine",
        """
        CREATE TABLE settings (
            key VARCHAR PRIMARY KEY,
            value VARCHAR NOT NULL
        );

        CREATE SEQUENCE import_id_seq START 1;
        CREATE TABLE imports (
            import_id INTEGER PRIMARY KEY,
            file_name VARCHAR NOT NULL,
            kind VARCHAR NOT NULL,            -- deals | activities | reps | targets
            preset VARCHAR,
            file_sha256 VARCHAR,
            mapping_json VARCHAR,             -- {"source column": "canonical field", ...}
            status VARCHAR NOT NULL,          -- loaded | refused | undone
            rows_read BIGINT NOT NULL DEFAULT 0,
            rows_loaded BIGINT NOT NULL DEFAULT 0,
            rows_rejected BIGINT NOT NULL DEFAULT 0,
            n_new BIGINT NOT NULL DEFAULT 0,
            n_updated BIGINT NOT NULL DEFAULT 0,
            n_unchanged BIGINT NOT NULL DEFAULT 0,
            message VARCHAR,
            notes_json VARCHAR,               -- warnings shown in the preview, as a JSON list
            imported_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
            undone_at TIMESTAMP
        );

        CREATE TABLE import_rejects (
            import_id INTEGER NOT NULL,
            file_name VARCHAR NOT NULL,
            line BIGINT,                      -- 1-based physical line in the file (header = 1)
            column_name VARCHAR,
            value VARCHAR,
            reason VARCHAR NOT NULL
        );

        CREATE TABLE deals (
            deal_id VARCHAR PRIMARY KEY,
            rep VARCHAR NOT NULL,
            close_date DATE,
            created_date DATE,
            amount DOUBLE,
            stage VARCHAR,
            outcome VARCHAR NOT NULL,         -- won | lost | open
            account VARCHAR,
            product VARCHAR,
            team VARCHAR,
            currency VARCHAR,
            import_id INTEGER NOT NULL
        );

        CREATE TABLE activities (
            activity_id VARCHAR PRIMARY KEY,
            rep VARCHAR NOT NULL,
            activity_date DATE NOT NULL,
            type VARCHAR NOT NULL,            -- call | email | meeting | demo | proposal | other
            raw_type VARCHAR,
            count BIGINT NOT NULL DEFAULT 1,
            import_id INTEGER NOT NULL
        );

        CREATE TABLE reps (
            rep VARCHAR PRIMARY KEY,
            team VARCHAR,
            manager VARCHAR,
            region VARCHAR,
            start_date DATE,
            end_date DATE,
            import_id INTEGER NOT NULL
        );

        CREATE TABLE quotas (
            rep VARCHAR NOT NULL,
            metric VARCHAR NOT NULL DEFAULT 'revenue',
            period_start DATE NOT NULL,
            period_end DATE NOT NULL,          -- inclusive
            target DOUBLE NOT NULL,
            import_id INTEGER NOT NULL,
            PRIMARY KEY (rep, metric, period_start, period_end)
        );

        -- Prior versions of rows an import inserted or changed, so the import can be undone.
        CREATE TABLE import_changes (
            import_id INTEGER NOT NULL,
            table_name VARCHAR NOT NULL,      -- deals | activities | reps | quotas
            row_key VARCHAR NOT NULL,         -- the row's primary key as text
            action VARCHAR NOT NULL,          -- insert | update
            previous_json VARCHAR             -- the row before the import (update only)
        );

        -- A confirmed column mapping, remembered for the next file with the same headers.
        CREATE TABLE saved_mappings (
            header_signature VARCHAR PRIMARY KEY,
            kind VARCHAR NOT NULL,
            mapping_json VARCHAR NOT NULL,
            saved_at TIMESTAMP NOT NULL DEFAULT current_timestamp
        );

        -- Manager-edited normalisation of activity types (raw label -> canonical type).
        CREATE TABLE activity_type_map (
            raw_type VARCHAR PRIMARY KEY,
            type VARCHAR NOT NULL
        );
        """,
    ),
    (
        2,
        "target sets, audit log and check-in notes",
        """
        CREATE SEQUENCE target_set_id_seq START 1;
        CREATE TABLE target_sets (
            set_id INTEGER PRIMARY KEY,
            name VARCHAR NOT NULL,
            version INTEGER NOT NULL DEFAULT 1,
            status VARCHAR NOT NULL,          -- draft | final
            period VARCHAR NOT NULL,          -- label such as 2026-Q4 or 2026-11
            grain VARCHAR NOT NULL,           -- month | quarter
            metric VARCHAR NOT NULL,
            tiers_json VARCHAR NOT NULL,      -- {"base": 35, "stretch": 70, "excellence": 90}
            method VARCHAR NOT NULL,          -- percentile | proportional | equal-chance
            team_target DOUBLE,
            revision INTEGER NOT NULL DEFAULT 0,   -- bumped on every save: optimistic locking
            created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
            updated_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
            UNIQUE (name, version)
        );

        CREATE TABLE target_set_rows (
            set_id INTEGER NOT NULL,
            rep VARCHAR NOT NULL,
            tier VARCHAR NOT NULL,            -- base | stretch | excellence
            target DOUBLE NOT NULL,
            model_value DOUBLE,               -- what the model proposed for this tier
            p_attain DOUBLE,
            source VARCHAR NOT NULL,          -- model | override | rep proposal
            reason VARCHAR,
            rep_proposal DOUBLE,
            PRIMARY KEY (set_id, rep, tier)
        );

        CREATE TABLE target_set_activity_rows (
            set_id INTEGER NOT NULL,
            rep VARCHAR NOT NULL,
            activity VARCHAR NOT NULL,        -- call | meeting | demo | opportunity | ...
            per_period DOUBLE NOT NULL,
            per_week DOUBLE NOT NULL,
            PRIMARY KEY (set_id, rep, activity)
        );

        CREATE TABLE audit_log (
            set_id INTEGER NOT NULL,
            changed_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
            what VARCHAR NOT NULL,
            old_value VARCHAR,
            new_value VARCHAR,
            note VARCHAR
        );

        CREATE TABLE checkin_notes (
            set_id INTEGER,
            rep VARCHAR NOT NULL,
            note_date DATE NOT NULL,
            note VARCHAR NOT NULL,
            created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
        );
        """,
    ),
    (
        3,
        "target sets: who changed them, assumptions, ordered audit entries",
        """
        -- Who made the last save (named in optimistic-locking conflicts) and the assumptions the
        -- set was built with (confidence, within-period shape, model family) for exports.
        ALTER TABLE target_sets ADD COLUMN updated_by VARCHAR;
        ALTER TABLE target_sets ADD COLUMN assumptions_json VARCHAR;
        CREATE SEQUENCE audit_entry_seq START 1;
        ALTER TABLE audit_log ADD COLUMN entry_id BIGINT DEFAULT nextval('audit_entry_seq');
        ALTER TABLE audit_log ADD COLUMN changed_by VARCHAR;
        ALTER TABLE audit_log ADD COLUMN revision INTEGER;   -- the set's revision after the change
        """,
    ),
    (
        4,
        "deals and activities without a primary-key index",
        """
        -- The ART index behind a PRIMARY KEY held every id in memory: at 10M deals it doubled the
        -- import's time and took its peak memory near 2 GB. The import keeps ids unique itself
        -- (repeats within a file are summed or the later row kept; ids already stored are updated,
        -- never inserted again; imports in one process take turns, and DuckDB lets one process
        -- write a file), so the tables are rebuilt without the index.
        CREATE TABLE deals_v4 (
            deal_id VARCHAR NOT NULL,
            rep VARCHAR NOT NULL,
            close_date DATE,
            created_date DATE,
            amount DOUBLE,
            stage VARCHAR,
            outcome VARCHAR NOT NULL,
            account VARCHAR,
            product VARCHAR,
            team VARCHAR,
            currency VARCHAR,
            import_id INTEGER NOT NULL
        );
        INSERT INTO deals_v4 SELECT deal_id, rep, close_date, created_date, amount, stage, outcome, account,
            product, team, currency, import_id FROM deals;
        DROP TABLE deals;
        ALTER TABLE deals_v4 RENAME TO deals;

        CREATE TABLE activities_v4 (
            activity_id VARCHAR NOT NULL,
            rep VARCHAR NOT NULL,
            activity_date DATE NOT NULL,
            type VARCHAR NOT NULL,
            raw_type VARCHAR,
            count BIGINT NOT NULL DEFAULT 1,
            import_id INTEGER NOT NULL
        );
        INSERT INTO activities_v4 SELECT activity_id, rep, activity_date, type, raw_type, count, import_id
            FROM activities;
        DROP TABLE activities;
        ALTER TABLE activities_v4 RENAME TO activities;
        """,
    ),
    (
        5,
        "target sets: what became of the team number's rest",
        """
        -- With a team number, an override or an accepted proposal moves the team total at base off it:
        -- 'resplit' split the rest again at equal chance across the reps without an edit, 'shortfall'
        -- kept the difference. NULL for a set without a team number (and for sets saved before).
        ALTER TABLE target_sets ADD COLUMN team_rest VARCHAR;
        """,
    ),
    (
        6,
        "accounts, failed sign-ins, and who wrote notes, imports and undos",
        """
        -- Built-in accounts (python -m analytics users ...). With none, the dashboard has no sign-in.
        -- password_hash is Argon2id's encoded string (salt and parameters inside), NULL for an account
        -- that signs in only through the identity provider (single sign-on, matched by email).
        CREATE TABLE accounts (
            name VARCHAR PRIMARY KEY,
            role VARCHAR NOT NULL,            -- admin | manager | viewer
            teams VARCHAR[] NOT NULL DEFAULT [],
            rep VARCHAR,                      -- a viewer limited to one rep's targets, pace and notes
            email VARCHAR,
            password_hash VARCHAR,
            created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
            password_changed_at TIMESTAMP
        );

        -- Failed sign-ins per typed name (known or not, so a guess at names is slowed alike); a
        -- success clears the row. locked_until: no password is checked for that name before then.
        CREATE TABLE sign_in_failures (
            name VARCHAR PRIMARY KEY,         -- lower case
            failures INTEGER NOT NULL,
            last_failed_at TIMESTAMP NOT NULL,
            locked_until TIMESTAMP
        );

        ALTER TABLE checkin_notes ADD COLUMN author VARCHAR;
        ALTER TABLE imports ADD COLUMN imported_by VARCHAR;
        ALTER TABLE imports ADD COLUMN undone_by VARCHAR;
        """,
    ),
    (
        7,
        "activities without an id column keyed by rep, date, raw type and place, no id text stored",
        """
        -- An activity log without an id column had ids made as 'act-' || the first 20 hex digits of
        -- md5(rep, ISO date, raw type joined by chr(31)) || '-' || n, n the row's place among the
        -- file's rows with that key: a unique string a row, 40% of a first load's time. Such rows
        -- now store no id (activity_id NULL) and their place as key_seq; their key as text is
        -- to_json([rep, date, raw type, key_seq]) (analytics/importing/tables.py, key_sql). The
        -- rows, and the keys and previous versions import_changes logged for them, are rewritten,
        -- so a file imported before is still "unchanged" and undo stays exact. A file's own ids
        -- (anything else, or an 'act-' id whose hash is not its row's key) are left as they are.
        ALTER TABLE activities ADD COLUMN key_seq INTEGER;
        ALTER TABLE activities ALTER COLUMN activity_id DROP NOT NULL;
        UPDATE import_changes SET
            row_key = to_json([json_extract_string(previous_json, '$.rep'),
                               json_extract_string(previous_json, '$.activity_date'),
                               json_extract_string(previous_json, '$.raw_type'),
                               regexp_extract(row_key, '-([0-9]+)$', 1)])::VARCHAR,
            previous_json = json_merge_patch(previous_json, json_object(
                'activity_id', NULL, 'key_seq', CAST(regexp_extract(row_key, '-([0-9]+)$', 1) AS INTEGER)))::VARCHAR
        WHERE table_name = 'activities' AND action = 'update'
          AND regexp_full_match(row_key, 'act-[0-9a-f]{20}-[1-9][0-9]*')
          AND substr(row_key, 5, 20) = substr(md5(concat_ws(chr(31), json_extract_string(previous_json, '$.rep'),
              json_extract_string(previous_json, '$.activity_date'),
              json_extract_string(previous_json, '$.raw_type'))), 1, 20);
        UPDATE import_changes c SET
            row_key = to_json([a.rep, CAST(a.activity_date AS VARCHAR), a.raw_type,
                               regexp_extract(a.activity_id, '-([0-9]+)$', 1)])::VARCHAR
        FROM activities a
        WHERE c.table_name = 'activities' AND c.action = 'insert' AND c.row_key = a.activity_id
          AND regexp_full_match(a.activity_id, 'act-[0-9a-f]{20}-[1-9][0-9]*')
          AND substr(a.activity_id, 5, 20) = substr(md5(concat_ws(chr(31), a.rep,
              CAST(a.activity_date AS VARCHAR), a.raw_type)), 1, 20);
        UPDATE activities SET
            key_seq = CAST(regexp_extract(activity_id, '-([0-9]+)$', 1) AS INTEGER), activity_id = NULL
        WHERE regexp_full_match(activity_id, 'act-[0-9a-f]{20}-[1-9][0-9]*')
          AND substr(activity_id, 5, 20) = substr(md5(concat_ws(chr(31), rep, CAST(activity_date AS VARCHAR),
              raw_type)), 1, 20);
        """,
    ),
    (
        8,
        "the roster's active or status column",
        """
        -- Roster exports mark reps who left with Active = No or Status = Inactive more often than
        -- with an end date; without the column such reps counted as active in every later period.
        ALTER TABLE reps ADD COLUMN active BOOLEAN;
        """,
    ),
    (
        9,
        "the manager's stage -> outcome map",
        """
        -- Stages no word list reads ('Auftrag erteilt', 'Dead') said won, lost or open by the manager
        -- once: later imports read them so, and the deals stored under them are re-set when it is said.
        CREATE TABLE stage_outcome_map (
            stage VARCHAR PRIMARY KEY,        -- the label as stored in deals.stage (trimmed, unwrapped)
            outcome VARCHAR NOT NULL          -- won | lost | open
        );
        """,
    ),
]

LATEST_VERSION = MIGRATIONS[-1][0]
