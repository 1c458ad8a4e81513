-- Used by the sim tests ONLY when the contract migration (resources/sql/001_initial.sql,
-- branch `contract`) is not in this tree yet: the columns the simulator writes, per the
-- contract brief. Once the migration exists the tests use it and ignore this file.
CREATE SCHEMA IF NOT EXISTS agentops;
CREATE TABLE IF NOT EXISTS agentops.spans (
  span_id text PRIMARY KEY, trace_id text NOT NULL, parent_id text, session_id text NOT NULL,
  turn int NOT NULL, kind text NOT NULL, name text NOT NULL, agent text NOT NULL, host text NOT NULL,
  model text, prompt_version int, started_at timestamptz NOT NULL, duration_ms double precision NOT NULL,
  first_token_at timestamptz, input_tokens int, output_tokens int, cache_read_tokens int,
  cache_write_tokens int, status text NOT NULL, error text, error_type text, path text NOT NULL,
  depth int NOT NULL, subtree_tokens bigint NOT NULL, subtree_errors int NOT NULL,
  subtree_duration_ms double precision NOT NULL, attrs jsonb NOT NULL, input text, output text,
  input_bytes int, output_bytes int);
CREATE TABLE IF NOT EXISTS agentops.sessions (
  session_id text PRIMARY KEY, agent text NOT NULL, layer text, channel text, host text,
  started_at timestamptz NOT NULL, ended_at timestamptz, turns int NOT NULL, outcome text NOT NULL,
  max_fill_pct double precision, had_recovery_events boolean, recovery_event_count int,
  prompt_version int, model text);
CREATE TABLE IF NOT EXISTS agentops.recovery_events (
  id bigserial PRIMARY KEY, at timestamptz NOT NULL, session_id text, agent text, host text,
  kind text NOT NULL, recoverable boolean NOT NULL, strategy text, outcome text NOT NULL,
  attempt int, trace_id text, span_id text, message text, detail jsonb, stream_id text);
CREATE TABLE IF NOT EXISTS agentops.process_events (
  id bigserial PRIMARY KEY, at timestamptz NOT NULL, host text NOT NULL, app text NOT NULL,
  pm_id int, event text NOT NULL, detail jsonb, stream_id text);
CREATE TABLE IF NOT EXISTS agentops.prompt_versions (
  agent text NOT NULL, version int NOT NULL, body text NOT NULL, model text NOT NULL, params jsonb,
  created_at timestamptz NOT NULL, created_by text, note text, eval_suite text,
  eval_score double precision, eval_passed boolean, PRIMARY KEY (agent, version));
CREATE TABLE IF NOT EXISTS agentops.prompt_deployments (
  id bigserial PRIMARY KEY, agent text NOT NULL, version int NOT NULL,
  deployed_at timestamptz NOT NULL, deployed_by text NOT NULL, kind text NOT NULL, reason text,
  previous_version int, notified_at timestamptz);
