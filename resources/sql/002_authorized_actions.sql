-- Switchboard data contract v2: actions on production are authorized by the servers
-- (docs/contract.md, "Roles" and "Functions"; docs/decisions.md, "The audit row is the
-- authority"). No BEGIN/COMMIT: the migrator runs this file in one transaction with its
-- agentops.schema_version row. Upgrades a v1 database without losing a row.

-- 1. The audit identity is the server's: every audit-table row records the database role
--    that wrote it (session_user: the authenticated login, unchanged inside SECURITY
--    DEFINER functions and by SET ROLE). A trigger sets it on every INSERT, overriding
--    whatever a client sent. Rows written before this migration keep NULL ("before v2").
ALTER TABLE agentops.operator_actions ADD COLUMN db_role text;
ALTER TABLE agentops.prompt_deployments ADD COLUMN db_role text;
ALTER TABLE agentops.prompt_notifications ADD COLUMN db_role text;

CREATE FUNCTION agentops.stamp_db_role() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    NEW.db_role := session_user;
    RETURN NEW;
END
$$;
CREATE TRIGGER operator_actions_db_role BEFORE INSERT ON agentops.operator_actions
    FOR EACH ROW EXECUTE FUNCTION agentops.stamp_db_role();
CREATE TRIGGER prompt_deployments_db_role BEFORE INSERT ON agentops.prompt_deployments
    FOR EACH ROW EXECUTE FUNCTION agentops.stamp_db_role();
CREATE TRIGGER prompt_notifications_db_role BEFORE INSERT ON agentops.prompt_notifications
    FOR EACH ROW EXECUTE FUNCTION agentops.stamp_db_role();

-- The bridge looks up a command's request row by id and by cmd_id.
CREATE INDEX operator_actions_ref_idx ON agentops.operator_actions (ref_id) WHERE ref_id IS NOT NULL;
CREATE INDEX operator_actions_cmd_idx ON agentops.operator_actions ((params ->> 'cmd_id'))
    WHERE params ? 'cmd_id';

-- 2. New roles (cluster-wide, only when missing).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'agentops_bridge') THEN
        CREATE ROLE agentops_bridge NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'agentops_deployer') THEN
        CREATE ROLE agentops_deployer NOLOGIN;
    END IF;
END
$$;

-- 3. A reload / restart request and its outcome go through functions; nobody but the
--    owner inserts into operator_actions directly.
--
-- request_action: the 'requested' row of a reload or restart. The bridge of the target
-- host runs the command only if this row exists, matches the command, is recent, has no
-- outcome yet, and its db_role is a member of agentops_operator.
CREATE FUNCTION agentops.request_action(p_action text, p_host text, p_app text, p_pm_id text,
                                        p_cmd_id text, p_reason text, p_params jsonb,
                                        p_operator text, p_client_host text)
    RETURNS TABLE (id bigint, db_role text, at timestamptz)
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_params jsonb;
BEGIN
    IF p_action IS NULL OR p_action NOT IN ('reload', 'restart') THEN
        RAISE EXCEPTION 'request_action: action must be reload or restart' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF coalesce(btrim(p_reason), '') = '' THEN
        RAISE EXCEPTION 'request_action: a reason is required' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF coalesce(p_host, '') = '' OR coalesce(p_app, '') = '' OR coalesce(p_cmd_id, '') = ''
       OR p_pm_id IS NULL OR NOT (p_pm_id = 'all' OR p_pm_id ~ '^[0-9]{1,9}$') THEN
        RAISE EXCEPTION 'request_action: host, app, pm_id (integer or all) and cmd_id are required'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF position(':' IN p_host) > 0 THEN
        RAISE EXCEPTION 'request_action: host must not contain ":"' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF EXISTS (SELECT 1 FROM agentops.operator_actions a WHERE a.params ->> 'cmd_id' = p_cmd_id) THEN
        RAISE EXCEPTION 'request_action: cmd_id % was requested before', p_cmd_id USING ERRCODE = 'unique_violation';
    END IF;
    -- The fields the bridge checks are the function's own arguments: a caller's params
    -- cannot contradict them.
    v_params := coalesce(p_params, '{}'::jsonb)
        || jsonb_build_object('cmd_id', p_cmd_id, 'host', p_host, 'app', p_app,
                              'pm_id', CASE WHEN p_pm_id = 'all' THEN to_jsonb('all'::text)
                                            ELSE to_jsonb(p_pm_id::integer) END);
    RETURN QUERY
    INSERT INTO agentops.operator_actions AS a (operator, client_host, action, target, reason, params, outcome)
    VALUES (coalesce(nullif(p_operator, ''), session_user), coalesce(nullif(p_client_host, ''), 'unknown'),
            p_action, 'proc:' || p_host || ':' || p_app || ':' || p_pm_id, p_reason, v_params, 'requested')
    RETURNING a.id, a.db_role, a.at;
END
$$;

-- record_action_outcome: the outcome row of a request (reload/restart), written by the
-- console that follows it. Copies operator, target and reason from the request; a late
-- final state after an earlier 'failed' (no answer) is recorded as another row.
CREATE FUNCTION agentops.record_action_outcome(p_ref_id bigint, p_outcome text, p_detail jsonb,
                                               p_client_host text)
    RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r agentops.operator_actions;
    v_id bigint;
BEGIN
    IF p_outcome IS NULL OR p_outcome NOT IN ('succeeded', 'failed', 'refused') THEN
        RAISE EXCEPTION 'record_action_outcome: outcome must be succeeded, failed or refused'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT * INTO r FROM agentops.operator_actions WHERE id = p_ref_id;
    IF NOT FOUND OR r.outcome <> 'requested' OR r.action NOT IN ('reload', 'restart') THEN
        RAISE EXCEPTION 'record_action_outcome: % is not a reload/restart request', p_ref_id
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    INSERT INTO agentops.operator_actions (operator, client_host, action, target, reason, outcome, detail, ref_id)
    VALUES (r.operator, coalesce(nullif(p_client_host, ''), r.client_host), r.action, r.target, r.reason,
            p_outcome, p_detail, r.id)
    RETURNING id INTO v_id;
    RETURN v_id;
END
$$;

-- The bridge's check, as one function so that the rule lives in the database next to the
-- rows it reads (the bridge role needs EXECUTE on it and nothing else to authorize).
-- Returns NULL when the command is authorized, else the reason it is not.
CREATE FUNCTION agentops.authorize_command(p_audit_id bigint, p_cmd_id text, p_host text, p_app text,
                                           p_pm_id text, p_action text, p_max_age_s integer)
    RETURNS text
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r agentops.operator_actions;
BEGIN
    SELECT * INTO r FROM agentops.operator_actions WHERE id = p_audit_id;
    IF NOT FOUND THEN
        RETURN format('no audit row %s', p_audit_id);
    END IF;
    IF r.outcome <> 'requested' THEN
        RETURN format('audit row %s is not a request (outcome %s)', p_audit_id, r.outcome);
    END IF;
    IF r.params ->> 'cmd_id' IS DISTINCT FROM p_cmd_id THEN
        RETURN format('audit row %s belongs to another command', p_audit_id);
    END IF;
    IF r.action IS DISTINCT FROM p_action
       OR r.target IS DISTINCT FROM ('proc:' || p_host || ':' || p_app || ':' || p_pm_id) THEN
        RETURN format('audit row %s requested %s of %s, not %s of proc:%s:%s:%s', p_audit_id,
                      r.action, r.target, p_action, p_host, p_app, p_pm_id);
    END IF;
    IF r.at < now() - make_interval(secs => p_max_age_s) OR r.at > now() + interval '5 seconds' THEN
        RETURN format('audit row %s was written at %s, outside the last %s s', p_audit_id, r.at, p_max_age_s);
    END IF;
    IF EXISTS (SELECT 1 FROM agentops.operator_actions o WHERE o.ref_id = r.id) THEN
        RETURN format('audit row %s already has an outcome', p_audit_id);
    END IF;
    IF r.db_role IS NULL OR NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r.db_role) THEN
        RETURN format('audit row %s has no known database role', p_audit_id);
    END IF;
    IF NOT pg_has_role(r.db_role, 'agentops_operator', 'MEMBER') THEN
        RETURN format('database role %s of audit row %s is not an agentops_operator', r.db_role, p_audit_id);
    END IF;
    RETURN NULL;
END
$$;

REVOKE ALL ON FUNCTION agentops.stamp_db_role() FROM PUBLIC;
REVOKE ALL ON FUNCTION agentops.request_action(text, text, text, text, text, text, jsonb, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION agentops.record_action_outcome(bigint, text, jsonb, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION agentops.authorize_command(bigint, text, text, text, text, text, integer) FROM PUBLIC;

-- 4. Grants. The operator writes the audit log only through functions.
REVOKE INSERT ON agentops.operator_actions FROM agentops_operator;
GRANT EXECUTE ON FUNCTION agentops.request_action(text, text, text, text, text, text, jsonb, text, text),
                          agentops.record_action_outcome(bigint, text, jsonb, text)
    TO agentops_operator;

-- The bridge: authorize commands, copy its process events; nothing else.
GRANT USAGE ON SCHEMA agentops TO agentops_bridge;
GRANT EXECUTE ON FUNCTION agentops.authorize_command(bigint, text, text, text, text, text, integer)
    TO agentops_bridge;
GRANT INSERT ON agentops.process_events TO agentops_bridge;
GRANT USAGE ON SEQUENCE agentops.process_events_id_seq TO agentops_bridge;
-- ON CONFLICT (stream_id) DO NOTHING needs SELECT on the conflict column.
GRANT SELECT (stream_id) ON agentops.process_events TO agentops_bridge;

-- Agents have no business reading the audit log.
REVOKE SELECT ON agentops.operator_actions FROM agentops_writer;

-- 5. Prompt rules live in the database too. A rollback, a (re-)notification, a deploy, a
--    new prompt version and an export's audit row are written only through the functions
--    below (SECURITY DEFINER, search_path pinned, every name qualified). They take the
--    agent's lock, check the deployment the caller saw, enforce the evaluation gate and
--    write the audit row in the same transaction. A refusal is a status (and an audit row),
--    not an exception, so the caller can say who changed what and when; only a malformed
--    call (no agent, no reason, …) raises invalid_parameter_value.

-- A deploy is audited like a rollback (its override reason has no other place to live).
ALTER TABLE agentops.operator_actions DROP CONSTRAINT operator_actions_action_check;
ALTER TABLE agentops.operator_actions ADD CONSTRAINT operator_actions_action_check
    CHECK (action IN ('reload','restart','rollback','renotify','export','deploy'));

-- The deployment status view shows who really deployed (db_role). Dropped and made again
-- (a column in the middle); its grants are made again below.
DROP VIEW agentops.prompt_deployment_status;
CREATE VIEW agentops.prompt_deployment_status AS
SELECT d.id, d.agent, d.version, d.deployed_at, d.deployed_by, d.db_role, d.kind, d.reason,
       d.previous_version, d.previous_deployment_id,
       (SELECT min(n.notified_at) FROM agentops.prompt_notifications n WHERE n.deployment_id = d.id)
           AS notified_at
FROM agentops.prompt_deployments d;

-- prompt_change: the one body of rollback_prompt and deploy_prompt (kind 'rollback' or
-- 'deploy'). Internal: nobody is granted EXECUTE; it runs as the owner inside them.
-- p_check_expected false (deploy without an expectation) skips the "what the caller saw"
-- check; the lock still serialises it with every other change of the agent.
CREATE FUNCTION agentops.prompt_change(p_kind text, p_agent text, p_version integer,
                                       p_check_expected boolean, p_expected_deployment_id bigint,
                                       p_reason text, p_override_reason text, p_by text,
                                       p_client_host text)
    RETURNS TABLE (status text, message text, deployment_id bigint, deployed_at timestamptz,
                   from_version integer, to_version integer, model text,
                   current_deployment_id bigint, changed_by text, changed_db_role text,
                   changed_at timestamptz, audit_id bigint)
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_by text := coalesce(nullif(btrim(p_by), ''), session_user);
    v_host text := coalesce(nullif(btrim(p_client_host), ''), 'unknown');
    v_override boolean := coalesce(btrim(p_override_reason), '') <> '';
    v_not text := CASE p_kind WHEN 'rollback' THEN 'Not rolled back' ELSE 'Not deployed' END;
    v_reason text;
    v_params jsonb;
    v_cur_id bigint := 0;
    v_cur_version integer;
    v_cur_by text;
    v_cur_role text;
    v_cur_at timestamptz;
    v_model text;
    v_eval_passed boolean;
    v_eval_suite text;
    v_evaluated boolean;
    v_new_id bigint;
    v_new_at timestamptz;
BEGIN
    IF p_kind IS NULL OR p_kind NOT IN ('rollback', 'deploy') THEN
        RAISE EXCEPTION 'prompt_change: kind must be rollback or deploy' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF coalesce(btrim(p_agent), '') = '' OR p_version IS NULL OR p_version < 1 THEN
        RAISE EXCEPTION '%: an agent and a target version (>= 1) are required', p_kind
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_kind = 'rollback' AND coalesce(btrim(p_reason), '') = '' THEN
        RAISE EXCEPTION 'rollback: a reason is required' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF octet_length(coalesce(p_reason, '')) > 16384 OR octet_length(coalesce(p_override_reason, '')) > 16384 THEN
        RAISE EXCEPTION '%: a reason is over 16 KiB', p_kind USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_reason := coalesce(nullif(btrim(p_reason), ''), format('deploy of version %s', p_version));

    -- Serialises every change of one agent (same key as v1 clients used); the unique
    -- (agent, previous_deployment_id) key is the second guard for writers that do not lock.
    PERFORM pg_advisory_xact_lock(hashtext('agentops.prompt:' || p_agent));
    SELECT d.id, d.version, d.deployed_by, d.db_role, d.deployed_at
      INTO v_cur_id, v_cur_version, v_cur_by, v_cur_role, v_cur_at
      FROM agentops.prompt_deployments d WHERE d.agent = p_agent ORDER BY d.id DESC LIMIT 1;
    v_cur_id := coalesce(v_cur_id, 0);

    status := NULL; message := NULL; deployment_id := NULL; deployed_at := NULL;
    from_version := coalesce(v_cur_version, 0); to_version := p_version; model := NULL;
    current_deployment_id := v_cur_id; changed_by := v_cur_by; changed_db_role := v_cur_role;
    changed_at := v_cur_at; audit_id := NULL;
    v_params := jsonb_build_object('to_version', p_version, 'from_version', coalesce(v_cur_version, 0),
                                   'override_failed_eval', v_override);
    IF p_check_expected THEN
        v_params := v_params || jsonb_build_object('expected_deployment_id', coalesce(p_expected_deployment_id, 0));
    END IF;
    IF v_override THEN
        v_params := v_params || jsonb_build_object('override_reason', p_override_reason);
    END IF;

    SELECT v.model, v.eval_passed, v.eval_suite INTO v_model, v_eval_passed, v_eval_suite
      FROM agentops.prompt_versions v WHERE v.agent = p_agent AND v.version = p_version;
    v_evaluated := FOUND AND v_eval_passed IS NOT NULL;

    IF p_check_expected AND v_cur_id <> coalesce(p_expected_deployment_id, 0) THEN
        status := 'raced';
        IF v_cur_id = 0 THEN
            message := format('%s: %s has no deployment any more (deployment #%s was expected). Review again.',
                              v_not, p_agent, p_expected_deployment_id);
        ELSE
            message := format('%s: %s''s prompt was changed by %s%s at %s (now version %s, deployment #%s). Review again.',
                              v_not, p_agent, v_cur_by, coalesce(' (db: ' || v_cur_role || ')', ''),
                              to_char(v_cur_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                              v_cur_version, v_cur_id);
        END IF;
    ELSIF v_model IS NULL THEN
        status := 'refused';
        message := format('%s: %s has no version %s.', v_not, p_agent, p_version);
    ELSIF v_cur_id <> 0 AND v_cur_version = p_version THEN
        status := 'refused';
        message := format('%s: version %s is already %s''s active version.', v_not, p_version, p_agent);
    ELSIF NOT coalesce(v_eval_passed, false) AND NOT v_override THEN
        status := 'failed_eval';
        IF v_evaluated THEN
            message := format('%s: version %s failed its evaluation%s. Override explicitly, with a reason, to deploy it anyway.',
                              v_not, p_version, coalesce(' (' || nullif(v_eval_suite, '') || ')', ''));
        ELSE
            message := format('%s: version %s was never evaluated. Override explicitly, with a reason, to deploy it anyway.',
                              v_not, p_version);
        END IF;
    ELSE
        BEGIN
            INSERT INTO agentops.prompt_deployments AS d (agent, version, deployed_by, kind, reason,
                                                          previous_version, previous_deployment_id)
            VALUES (p_agent, p_version, v_by, p_kind, nullif(btrim(p_reason), ''), v_cur_version,
                    nullif(v_cur_id, 0))
            RETURNING d.id, d.deployed_at INTO v_new_id, v_new_at;
        EXCEPTION WHEN unique_violation THEN
            -- A writer that did not take the lock committed a successor first.
            SELECT d.id, d.version, d.deployed_by, d.db_role, d.deployed_at
              INTO v_cur_id, v_cur_version, v_cur_by, v_cur_role, v_cur_at
              FROM agentops.prompt_deployments d WHERE d.agent = p_agent ORDER BY d.id DESC LIMIT 1;
            status := 'raced';
            current_deployment_id := v_cur_id; changed_by := v_cur_by; changed_db_role := v_cur_role;
            changed_at := v_cur_at;
            message := format('%s: %s''s prompt was changed by %s%s at %s (now version %s, deployment #%s). Review again.',
                              v_not, p_agent, v_cur_by, coalesce(' (db: ' || v_cur_role || ')', ''),
                              to_char(v_cur_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                              v_cur_version, v_cur_id);
        END;
    END IF;

    IF status IS NOT NULL THEN
        INSERT INTO agentops.operator_actions AS a (operator, client_host, action, target, reason, params, outcome, detail)
        VALUES (v_by, v_host, p_kind, 'prompt:' || p_agent, v_reason, v_params, 'refused',
                jsonb_build_object('state', 'refused', 'status', status, 'message', message))
        RETURNING a.id INTO audit_id;
        RETURN NEXT;
        RETURN;
    END IF;

    INSERT INTO agentops.operator_actions AS a (operator, client_host, action, target, reason, params, outcome, detail)
    VALUES (v_by, v_host, p_kind, 'prompt:' || p_agent, v_reason, v_params, 'succeeded',
            jsonb_build_object('deployment_id', v_new_id, 'state', 'committed', 'notified', false))
    RETURNING a.id INTO audit_id;
    status := 'committed';
    deployment_id := v_new_id;
    deployed_at := v_new_at;
    model := v_model;
    IF p_kind = 'rollback' THEN
        message := format('Rolled back %s from version %s to version %s (deployment #%s).',
                          p_agent, coalesce(v_cur_version, 0), p_version, v_new_id);
    ELSE
        message := format('Deployed %s version %s (was %s; deployment #%s).', p_agent, p_version,
                          coalesce('version ' || v_cur_version, 'none'), v_new_id);
    END IF;
    RETURN NEXT;
END
$$;

-- rollback_prompt: an operator's rollback. p_expected_deployment_id is the deployment the
-- operator saw as active (0 or NULL: the agent had none). p_override_reason, when not
-- empty, overrides a target that failed or lacks its evaluation.
-- status: committed | raced | refused (unknown or already active target) | failed_eval.
CREATE FUNCTION agentops.rollback_prompt(p_agent text, p_to_version integer,
                                         p_expected_deployment_id bigint, p_reason text,
                                         p_override_reason text, p_operator text, p_client_host text)
    RETURNS TABLE (status text, message text, deployment_id bigint, deployed_at timestamptz,
                   from_version integer, to_version integer, model text,
                   current_deployment_id bigint, changed_by text, changed_db_role text,
                   changed_at timestamptz, audit_id bigint)
    LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT * FROM agentops.prompt_change('rollback', p_agent, p_to_version, true,
                                         p_expected_deployment_id, p_reason, p_override_reason,
                                         p_operator, p_client_host);
$$;

-- deploy_prompt: a CI deployer's deploy of an existing version (add it first with
-- add_prompt_version). Same rules as a rollback; p_expected_deployment_id NULL deploys on
-- top of whatever is active, a number (0 = none) must match. A version that failed or lacks
-- its evaluation needs p_override_reason.
CREATE FUNCTION agentops.deploy_prompt(p_agent text, p_version integer, p_expected_deployment_id bigint,
                                       p_reason text, p_override_reason text, p_deployed_by text,
                                       p_client_host text)
    RETURNS TABLE (status text, message text, deployment_id bigint, deployed_at timestamptz,
                   from_version integer, to_version integer, model text,
                   current_deployment_id bigint, changed_by text, changed_db_role text,
                   changed_at timestamptz, audit_id bigint)
    LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT * FROM agentops.prompt_change('deploy', p_agent, p_version,
                                         p_expected_deployment_id IS NOT NULL,
                                         p_expected_deployment_id, p_reason, p_override_reason,
                                         p_deployed_by, p_client_host);
$$;

-- add_prompt_version: a new, immutable prompt version with its evaluation result (NULL =
-- not evaluated). p_version NULL takes the next number. Separate from deploy_prompt: a
-- version is evaluated before it is deployed, one that fails is still recorded (and shown
-- as FAILED) but not deployed, and a deploy may roll forward to an older version.
CREATE FUNCTION agentops.add_prompt_version(p_agent text, p_version integer, p_body text, p_model text,
                                            p_params jsonb, p_created_by text, p_note text,
                                            p_eval_suite text, p_eval_score double precision,
                                            p_eval_passed boolean)
    RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_version integer := p_version;
BEGIN
    IF coalesce(btrim(p_agent), '') = '' OR coalesce(p_body, '') = '' OR coalesce(btrim(p_model), '') = '' THEN
        RAISE EXCEPTION 'add_prompt_version: agent, body and model are required' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF octet_length(p_body) > 4194304 THEN
        RAISE EXCEPTION 'add_prompt_version: body is % bytes, over the 4194304-byte cap', octet_length(p_body)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF v_version IS NOT NULL AND v_version < 1 THEN
        RAISE EXCEPTION 'add_prompt_version: version must be >= 1' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('agentops.prompt:' || p_agent));
    IF v_version IS NULL THEN
        SELECT coalesce(max(v.version), 0) + 1 INTO v_version FROM agentops.prompt_versions v WHERE v.agent = p_agent;
    ELSIF EXISTS (SELECT 1 FROM agentops.prompt_versions v WHERE v.agent = p_agent AND v.version = v_version) THEN
        RAISE EXCEPTION 'add_prompt_version: % version % exists; versions are immutable', p_agent, v_version
            USING ERRCODE = 'unique_violation';
    END IF;
    INSERT INTO agentops.prompt_versions (agent, version, body, model, params, created_by, note,
                                          eval_suite, eval_score, eval_passed)
    VALUES (p_agent, v_version, p_body, p_model, p_params,
            coalesce(nullif(btrim(p_created_by), ''), session_user), p_note, p_eval_suite,
            p_eval_score, p_eval_passed);
    RETURN v_version;
END
$$;

-- record_prompt_notification: agents were told of a deployment (N prompt:{agent} carries
-- it: p_redis_state 'set' = this call's script set it and published, 'already' = the hash
-- already carried it). Writes the prompt_notifications row; a renotify (the console's retry)
-- also writes its 'renotify' audit row, and is refused (audited, no notification row) when
-- the deployment is no longer the agent's latest.
-- status: recorded | superseded.
CREATE FUNCTION agentops.record_prompt_notification(p_deployment_id bigint, p_renotify boolean,
                                                    p_redis_state text, p_operator text,
                                                    p_client_host text)
    RETURNS TABLE (status text, message text, notification_id bigint, latest_deployment_id bigint)
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_by text := coalesce(nullif(btrim(p_operator), ''), session_user);
    v_host text := coalesce(nullif(btrim(p_client_host), ''), 'unknown');
    v_agent text;
    v_version integer;
    v_latest bigint;
    v_params jsonb;
BEGIN
    IF p_redis_state IS NULL OR p_redis_state NOT IN ('set', 'already') THEN
        RAISE EXCEPTION 'record_prompt_notification: redis state must be set or already'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT d.agent, d.version INTO v_agent, v_version
      FROM agentops.prompt_deployments d WHERE d.id = p_deployment_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'record_prompt_notification: there is no deployment #%', p_deployment_id
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('agentops.prompt:' || v_agent));
    SELECT max(d.id) INTO v_latest FROM agentops.prompt_deployments d WHERE d.agent = v_agent;
    latest_deployment_id := v_latest;
    notification_id := NULL;
    v_params := jsonb_build_object('deployment_id', p_deployment_id, 'version', v_version);
    IF coalesce(p_renotify, false) AND v_latest <> p_deployment_id THEN
        status := 'superseded';
        message := format('deployment #%s of %s is no longer the latest (#%s is); agents keep the current one.',
                          p_deployment_id, v_agent, v_latest);
        INSERT INTO agentops.operator_actions (operator, client_host, action, target, reason, params, outcome, detail)
        VALUES (v_by, v_host, 'renotify', 'prompt:' || v_agent, 'retry of a notification that had failed',
                v_params, 'refused', jsonb_build_object('state', 'refused', 'message', message));
        RETURN NEXT;
        RETURN;
    END IF;
    INSERT INTO agentops.prompt_notifications AS n (deployment_id, notified_by)
    VALUES (p_deployment_id, v_by)
    RETURNING n.id INTO notification_id;
    IF coalesce(p_renotify, false) THEN
        INSERT INTO agentops.operator_actions (operator, client_host, action, target, reason, params, outcome, detail)
        VALUES (v_by, v_host, 'renotify', 'prompt:' || v_agent, 'retry of a notification that had failed',
                v_params, 'succeeded',
                jsonb_build_object('state', CASE p_redis_state WHEN 'set' THEN 'notified' ELSE 'already in redis' END));
    END IF;
    status := 'recorded';
    message := CASE p_redis_state WHEN 'set' THEN 'agents notified'
                                  ELSE 'agents had already been told (Redis carried this deployment)' END;
    RETURN NEXT;
END
$$;

-- record_export: the audit row of a trace export (action 'export', target
-- 'session:{id}', outcome 'succeeded'). Returns the row's id.
CREATE FUNCTION agentops.record_export(p_session_id text, p_reason text, p_params jsonb,
                                       p_operator text, p_client_host text)
    RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_id bigint;
BEGIN
    IF coalesce(p_session_id, '') = '' THEN
        RAISE EXCEPTION 'record_export: a session id is required' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    INSERT INTO agentops.operator_actions AS a (operator, client_host, action, target, reason, params, outcome)
    VALUES (coalesce(nullif(p_operator, ''), session_user), coalesce(nullif(p_client_host, ''), 'unknown'),
            'export', 'session:' || p_session_id,
            coalesce(nullif(btrim(p_reason), ''), 'post-mortem export'), p_params, 'succeeded')
    RETURNING a.id INTO v_id;
    RETURN v_id;
END
$$;

REVOKE ALL ON FUNCTION agentops.prompt_change(text, text, integer, boolean, bigint, text, text, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION agentops.rollback_prompt(text, integer, bigint, text, text, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION agentops.deploy_prompt(text, integer, bigint, text, text, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION agentops.add_prompt_version(text, integer, text, text, jsonb, text, text, text,
                                                   double precision, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION agentops.record_prompt_notification(bigint, boolean, text, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION agentops.record_export(text, text, jsonb, text, text) FROM PUBLIC;

-- 6. Grants for the prompt rules. Operators write prompt and audit rows only through the
--    functions; agents (agentops_writer) have no right at all on the prompt tables; the CI
--    deployer may only call its two functions.
REVOKE INSERT ON agentops.prompt_deployments, agentops.prompt_notifications FROM agentops_operator;
REVOKE USAGE ON SEQUENCE agentops.prompt_deployments_id_seq, agentops.prompt_notifications_id_seq,
                         agentops.operator_actions_id_seq FROM agentops_operator;
GRANT EXECUTE ON FUNCTION agentops.rollback_prompt(text, integer, bigint, text, text, text, text),
                          agentops.record_prompt_notification(bigint, boolean, text, text, text),
                          agentops.record_export(text, text, jsonb, text, text)
    TO agentops_operator;

REVOKE ALL ON agentops.prompt_versions, agentops.prompt_deployments, agentops.prompt_notifications
    FROM agentops_writer;
REVOKE ALL ON SEQUENCE agentops.prompt_deployments_id_seq, agentops.prompt_notifications_id_seq,
                       agentops.operator_actions_id_seq
    FROM agentops_writer;

GRANT USAGE ON SCHEMA agentops TO agentops_deployer;
GRANT EXECUTE ON FUNCTION agentops.deploy_prompt(text, integer, bigint, text, text, text, text),
                          agentops.add_prompt_version(text, integer, text, text, jsonb, text, text, text,
                                                      double precision, boolean)
    TO agentops_deployer;

-- The re-made view: readers only (agents lost it with the tables under it).
REVOKE ALL ON agentops.prompt_deployment_status FROM PUBLIC;
GRANT SELECT ON agentops.prompt_deployment_status TO agentops_viewer;
