-- Switchboard data contract v2: actions on production are authorized by the servers
-- (docs/contract.md, "Roles and functions"; docs/decisions.md, "The audit row is the
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
