-- Switchboard data contract v1: schema agentops (docs/contract.md is the canonical text).
-- No BEGIN/COMMIT: the migrator runs this file in one transaction with its
-- agentops.schema_version row. Enum texts match core/contract/Enums.cpp.
CREATE SCHEMA IF NOT EXISTS agentops;

-- Spans: one row per step of a conversation (turn, prompt assembly, model call, tool call…).
CREATE TABLE agentops.spans (
    span_id             text PRIMARY KEY,
    trace_id            text NOT NULL,
    parent_id           text,
    session_id          text NOT NULL,
    turn                integer NOT NULL CHECK (turn >= 0),
    kind                text NOT NULL CHECK (kind IN ('turn','prompt','llm','tool','retrieval','summarize','retry','output')),
    name                text NOT NULL,
    agent               text NOT NULL,
    host                text,
    model               text,
    prompt_version      integer CHECK (prompt_version >= 1),
    started_at          timestamptz NOT NULL,
    duration_ms         double precision NOT NULL CHECK (duration_ms >= 0),
    first_token_at      timestamptz,
    input_tokens        bigint CHECK (input_tokens >= 0),
    output_tokens       bigint CHECK (output_tokens >= 0),
    cache_read_tokens   bigint CHECK (cache_read_tokens >= 0),
    cache_write_tokens  bigint CHECK (cache_write_tokens >= 0),
    status              text NOT NULL CHECK (status IN ('ok','error','cancelled')),
    error               text,
    error_type          text,
    path                text NOT NULL,
    depth               integer NOT NULL CHECK (depth >= 0),
    subtree_tokens      bigint,
    subtree_errors      integer,
    subtree_duration_ms double precision,
    attrs               jsonb,
    input               text,
    output              text,
    input_bytes         bigint CHECK (input_bytes >= 0),
    output_bytes        bigint CHECK (output_bytes >= 0)
);
CREATE INDEX spans_session_started_idx ON agentops.spans (session_id, started_at);
CREATE INDEX spans_trace_idx ON agentops.spans (trace_id);
CREATE INDEX spans_started_idx ON agentops.spans (started_at);
-- path in C collation so the index order is the byte order the dotted path relies on.
CREATE INDEX spans_session_path_idx ON agentops.spans (session_id, path COLLATE "C");

-- Sessions: durable summary for post-mortem search.
CREATE TABLE agentops.sessions (
    session_id           text PRIMARY KEY,
    agent                text NOT NULL,
    layer                text,
    channel              text,
    host                 text,
    started_at           timestamptz NOT NULL,
    ended_at             timestamptz,
    turns                integer NOT NULL DEFAULT 0 CHECK (turns >= 0),
    outcome              text NOT NULL DEFAULT 'active'
                         CHECK (outcome IN ('active','completed','abandoned','failed','escalated')),
    max_fill_pct         double precision CHECK (max_fill_pct >= 0),
    had_recovery_events  boolean NOT NULL DEFAULT false,
    recovery_event_count integer NOT NULL DEFAULT 0 CHECK (recovery_event_count >= 0),
    prompt_version       integer CHECK (prompt_version >= 1),
    model                text
);
CREATE INDEX sessions_started_idx ON agentops.sessions (started_at DESC, session_id DESC);
CREATE INDEX sessions_agent_started_idx ON agentops.sessions (agent, started_at DESC);
CREATE INDEX sessions_outcome_started_idx ON agentops.sessions (outcome, started_at DESC);
CREATE INDEX sessions_recovery_started_idx ON agentops.sessions (started_at DESC) WHERE had_recovery_events;

-- Recovery events: the durable copy of the N events stream.
CREATE TABLE agentops.recovery_events (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL,
    session_id  text NOT NULL,
    agent       text NOT NULL,
    host        text,
    kind        text NOT NULL CHECK (kind IN ('tool_error','tool_timeout','invalid_json','context_overflow',
                                              'model_timeout','rate_limited','provider_error','content_filter','other')),
    recoverable boolean NOT NULL,
    strategy    text NOT NULL CHECK (strategy IN ('alternative_tool','stricter_prompt_retry','retry','summarize',
                                                  'ask_user','fallback_model','abort')),
    outcome     text NOT NULL CHECK (outcome IN ('recovered','failed','in_progress')),
    attempt     integer NOT NULL CHECK (attempt >= 1),
    trace_id    text,
    span_id     text,
    message     text,
    detail      jsonb,
    stream_id   text UNIQUE
);
CREATE INDEX recovery_events_at_idx ON agentops.recovery_events (at);
CREATE INDEX recovery_events_session_idx ON agentops.recovery_events (session_id);
CREATE INDEX recovery_events_agent_at_idx ON agentops.recovery_events (agent, at);

-- Process events: the durable copy of the N proc-events stream.
CREATE TABLE agentops.process_events (
    id        bigserial PRIMARY KEY,
    at        timestamptz NOT NULL,
    host      text NOT NULL,
    app       text NOT NULL,
    pm_id     integer NOT NULL CHECK (pm_id >= 0),
    event     text NOT NULL CHECK (event IN ('online','exit','restart','reload','stop','exception','restart_overlimit')),
    detail    jsonb,
    stream_id text UNIQUE
);
CREATE INDEX process_events_at_idx ON agentops.process_events (at);
CREATE INDEX process_events_host_at_idx ON agentops.process_events (host, at);

-- Prompt versions: immutable once written.
CREATE TABLE agentops.prompt_versions (
    agent       text NOT NULL,
    version     integer NOT NULL CHECK (version >= 1),
    body        text NOT NULL,
    model       text NOT NULL,
    params      jsonb,
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text NOT NULL,
    note        text,
    eval_suite  text,
    eval_score  double precision,
    eval_passed boolean,
    PRIMARY KEY (agent, version)
);

-- Deployments: append-only. The active version is the latest row per agent.
-- previous_deployment_id is the row the deployer saw as active; the NULLS NOT DISTINCT
-- unique key lets exactly one of two racing rollbacks from the same state commit.
CREATE TABLE agentops.prompt_deployments (
    id                     bigserial PRIMARY KEY,
    agent                  text NOT NULL,
    version                integer NOT NULL,
    deployed_at            timestamptz NOT NULL DEFAULT now(),
    deployed_by            text NOT NULL,
    kind                   text NOT NULL CHECK (kind IN ('deploy','rollback')),
    reason                 text,
    previous_version       integer,
    previous_deployment_id bigint REFERENCES agentops.prompt_deployments (id),
    FOREIGN KEY (agent, version) REFERENCES agentops.prompt_versions (agent, version),
    CONSTRAINT prompt_deployments_one_successor UNIQUE NULLS NOT DISTINCT (agent, previous_deployment_id),
    CHECK (kind <> 'rollback' OR reason IS NOT NULL)
);
CREATE INDEX prompt_deployments_agent_id_idx ON agentops.prompt_deployments (agent, id DESC);

-- Notifications of agents (Redis prompt:{agent} set + published) as their own append-only
-- rows, so prompt_deployments never needs UPDATE: "not yet notified" = no row here.
CREATE TABLE agentops.prompt_notifications (
    id            bigserial PRIMARY KEY,
    deployment_id bigint NOT NULL REFERENCES agentops.prompt_deployments (id),
    notified_at   timestamptz NOT NULL DEFAULT now(),
    notified_by   text NOT NULL
);
CREATE INDEX prompt_notifications_deployment_idx ON agentops.prompt_notifications (deployment_id);

CREATE VIEW agentops.prompt_deployment_status AS
SELECT d.id, d.agent, d.version, d.deployed_at, d.deployed_by, d.kind, d.reason,
       d.previous_version, d.previous_deployment_id,
       (SELECT min(n.notified_at) FROM agentops.prompt_notifications n WHERE n.deployment_id = d.id)
           AS notified_at
FROM agentops.prompt_deployments d;

-- Operator actions: the audit log, append-only. A later outcome is a new row whose
-- ref_id points at the 'requested' row.
CREATE TABLE agentops.operator_actions (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    operator    text NOT NULL,
    client_host text NOT NULL,
    action      text NOT NULL CHECK (action IN ('reload','restart','rollback','renotify','export')),
    target      text NOT NULL,
    reason      text NOT NULL,
    params      jsonb,
    outcome     text NOT NULL CHECK (outcome IN ('requested','succeeded','failed','refused')),
    detail      jsonb,
    ref_id      bigint REFERENCES agentops.operator_actions (id)
);
CREATE INDEX operator_actions_at_idx ON agentops.operator_actions (at);
CREATE INDEX operator_actions_target_at_idx ON agentops.operator_actions (target, at);

-- Append-only, also for the owner: UPDATE, DELETE and TRUNCATE raise.
CREATE FUNCTION agentops.forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'agentops.% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER prompt_deployments_append_only BEFORE UPDATE OR DELETE ON agentops.prompt_deployments
    FOR EACH ROW EXECUTE FUNCTION agentops.forbid_change();
CREATE TRIGGER prompt_deployments_no_truncate BEFORE TRUNCATE ON agentops.prompt_deployments
    FOR EACH STATEMENT EXECUTE FUNCTION agentops.forbid_change();
CREATE TRIGGER prompt_notifications_append_only BEFORE UPDATE OR DELETE ON agentops.prompt_notifications
    FOR EACH ROW EXECUTE FUNCTION agentops.forbid_change();
CREATE TRIGGER prompt_notifications_no_truncate BEFORE TRUNCATE ON agentops.prompt_notifications
    FOR EACH STATEMENT EXECUTE FUNCTION agentops.forbid_change();
CREATE TRIGGER operator_actions_append_only BEFORE UPDATE OR DELETE ON agentops.operator_actions
    FOR EACH ROW EXECUTE FUNCTION agentops.forbid_change();
CREATE TRIGGER operator_actions_no_truncate BEFORE TRUNCATE ON agentops.operator_actions
    FOR EACH STATEMENT EXECUTE FUNCTION agentops.forbid_change();

-- Roles are cluster-wide: create them only when missing (a second database reuses them).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'agentops_viewer') THEN
        CREATE ROLE agentops_viewer NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'agentops_operator') THEN
        CREATE ROLE agentops_operator NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'agentops_writer') THEN
        CREATE ROLE agentops_writer NOLOGIN;
    END IF;
END
$$;

REVOKE ALL ON ALL TABLES IN SCHEMA agentops FROM PUBLIC;
GRANT agentops_viewer TO agentops_operator;

GRANT USAGE ON SCHEMA agentops TO agentops_viewer, agentops_writer;
GRANT SELECT ON ALL TABLES IN SCHEMA agentops TO agentops_viewer;

-- Rollback: insert the deployment, its notification and the audit rows. The race guard is
-- the unique key plus pg_advisory_xact_lock (no UPDATE right needed for FOR UPDATE).
GRANT INSERT ON agentops.prompt_deployments, agentops.prompt_notifications,
                agentops.operator_actions TO agentops_operator;
GRANT USAGE ON SEQUENCE agentops.prompt_deployments_id_seq, agentops.prompt_notifications_id_seq,
                        agentops.operator_actions_id_seq TO agentops_operator;

GRANT SELECT ON ALL TABLES IN SCHEMA agentops TO agentops_writer;
GRANT INSERT ON agentops.spans, agentops.sessions, agentops.recovery_events, agentops.process_events,
                agentops.prompt_versions, agentops.prompt_deployments, agentops.prompt_notifications
    TO agentops_writer;
-- Agents keep their session summary current (turns, outcome, max fill) and fill in span
-- totals after a turn; both are UPDATEs of their own rows.
GRANT UPDATE ON agentops.sessions, agentops.spans TO agentops_writer;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA agentops TO agentops_writer;
