#!/usr/bin/env python3
"""Generates the record structs of core/contract from one table of fields, so that the
struct, its parser, its writer and its field list cannot disagree. Run from the repo root:
    python3 scripts/gen_contract_records.py && clang-format -i core/contract/*.h core/contract/*.cpp
docs/contract.md is written by hand; tst_contract_docs checks it against fieldNames()."""
import os

R, O = 'Required', 'Optional'
# field tuple: (name, member, type, need, extra)
#   type: text | int | optint | num | optnum | flag | optflag | time | opttime | json | enum:E
#   extra: dict(cap=..., min=..., where='both'|'pg'|'redis', default=...)
RECORDS = [
 dict(name='ProcessRecord', kind='process', doc='One PM2 process: hash `N proc:{host}:{app}:{pm_id}` (the bridge writes).',
  fields=[
   ('host','host','text',R,{}), ('app','app','text',R,{}), ('pm_id','pmId','int',R,{}),
   ('pid','pid','optint',O,{}), ('layer','layer','text',O,{}), ('namespace','pmNamespace','text',O,{}),
   ('status','status','enum:ProcessStatus',R,{'default':'ProcessStatus::Stopped'}),
   ('exec_mode','execMode','enum:ExecMode',R,{'default':'ExecMode::Fork'}),
   ('instances','instances','int',O,{'default':1}), ('restarts','restarts','int',R,{}),
   ('unstable_restarts','unstableRestarts','int',O,{}), ('started_at','startedAt','opttime',O,{}),
   ('cpu','cpu','optnum',O,{}), ('memory','memory','optint',O,{}), ('version','version','text',O,{}),
   ('heartbeat_at','heartbeatAt','time',R,{}), ('heartbeat_ms','heartbeatMs','int',O,{'default':2000,'min':100}),
  ],
  extra_h='''    // The member of the procs zset and the key suffix: "{host}:{app}:{pm_id}".
    QString member() const;
''',
  extra_cpp='''QString ProcessRecord::member() const
{
    return host + QLatin1Char(':') + app + QLatin1Char(':') + QString::number(pmId);
}
'''),
 dict(name='ProcessEvent', kind='process event', doc='One PM2 event: stream `N proc-events` entry, or a row of `agentops.process_events`.', idfield='stream_id',
  fields=[
   ('id','id','optint',O,{'where':'pg'}), ('at','at','time',R,{}),
   ('host','host','text',R,{}), ('app','app','text',R,{}), ('pm_id','pmId','int',R,{}),
   ('event','event','enum:ProcessEventKind',R,{'default':'ProcessEventKind::Online'}),
   ('detail','detail','json',O,{}), ('stream_id','streamId','text',O,{'where':'pg'}),
  ]),
 dict(name='SessionRecord', kind='session', doc='One live session: hash `N session:{id}` (the agents write). The id comes from the key.',
  fields=[
   ('agent','agent','text',R,{}), ('layer','layer','text',O,{}), ('channel','channel','text',O,{}),
   ('host','host','text',O,{}), ('started_at','startedAt','time',R,{}), ('updated_at','updatedAt','time',R,{}),
   ('turns','turns','int',R,{}), ('ctx_tokens','ctxTokens','int',R,{}), ('ctx_limit','ctxLimit','int',R,{'min':1}),
   ('summaries','summaries','int',O,{}), ('model','model','text',R,{}), ('prompt_version','promptVersion','optint',O,{'min':1}),
   ('state','state','enum:SessionState',R,{'default':'SessionState::Active'}),
  ],
  id_member='id',
  extra_h='''    // ctx_tokens / ctx_limit: the latest model call's input (cache included) over the
    // window. 0 when the limit is not positive; may exceed 1 (an overflow is shown as such).
    double fillRatio() const;
''',
  extra_cpp='''double SessionRecord::fillRatio() const
{
    if (ctxLimit <= 0 || ctxTokens <= 0)
        return 0.0;
    return double(ctxTokens) / double(ctxLimit);
}
'''),
 dict(name='RecoveryEvent', kind='event', doc='One error-recovery event: stream `N events` entry, or a row of `agentops.recovery_events`.', idfield='stream_id',
  fields=[
   ('id','id','optint',O,{'where':'pg'}),
   ('at','at','time',R,{}), ('session_id','sessionId','text',R,{}), ('agent','agent','text',R,{}),
   ('host','host','text',O,{}), ('kind','kind','enum:RecoveryKind',R,{'default':'RecoveryKind::Other'}),
   ('recoverable','recoverable','flag',R,{}),
   ('strategy','strategy','enum:RecoveryStrategy',R,{'default':'RecoveryStrategy::Abort'}),
   ('outcome','outcome','enum:RecoveryOutcome',R,{'default':'RecoveryOutcome::InProgress'}),
   ('attempt','attempt','int',R,{'min':1,'default':1}), ('trace_id','traceId','text',O,{}), ('span_id','spanId','text',O,{}),
   ('message','message','text',O,{'cap':'caps::kMessage'}), ('detail','detail','json',O,{}),
   ('stream_id','streamId','text',O,{'where':'pg'}),
  ]),
 dict(name='ControlCommand', kind='command', doc='A reload/restart request: stream `N control:{host}` entry (the console writes, the bridge reads).', idfield='cmd_id',
  fields=[
   ('cmd_id','cmdId','text',R,{}), ('action','action','enum:ControlAction',R,{'default':'ControlAction::Reload'}),
   ('app','app','text',R,{}), ('pm_id','pmIdText','text',R,{}),
   ('requested_by','requestedBy','text',R,{}), ('client_host','clientHost','text',O,{}),
   ('reason','reason','text',R,{'cap':'caps::kMessage'}), ('requested_at','requestedAt','time',R,{}),
   ('expires_at','expiresAt','time',R,{}), ('audit_id','auditId','int',R,{'min':1}),
  ],
  check='''    if (!v.cmdId.isEmpty() && QUuid::fromString(v.cmdId).isNull())
        r.addError(QStringLiteral("field cmd_id = ") + FieldReader::quote(v.cmdId.toUtf8())
                   + QStringLiteral(" is not a UUID"));
    if (!v.pmIdText.isEmpty() && v.pmIdText != QLatin1String("all")) {
        bool ok = false;
        const int n = v.pmIdText.toInt(&ok);
        if (!ok || n < 0 || v.pmIdText.startsWith(QLatin1Char('+')))
            r.addError(QStringLiteral("field pm_id = ") + FieldReader::quote(v.pmIdText.toUtf8())
                       + QStringLiteral(" is not an integer or 'all'"));
    }
    if (v.expiresAt != 0 && v.expiresAt <= v.requestedAt)
        r.addError(QStringLiteral("field expires_at is not after requested_at"));
    else if (v.expiresAt != 0 && v.requestedAt != 0 && v.expiresAt - v.requestedAt > kMaxTtlMs)
        r.addError(QStringLiteral("field expires_at is more than %1 ms after requested_at")
                       .arg(kMaxTtlMs));
''',
  includes=['<QUuid>'],
  extra_h='''    // expires_at - requested_at must be in (0, kMaxTtlMs]: both are Redis server time.
    static constexpr qint64 kMaxTtlMs = 300000;

    // pm_id as a number; nullopt means "all" instances of the app.
    std::optional<int> pmId() const;
    bool isExpired(qint64 nowMs) const { return nowMs >= expiresAt; }
''',
  extra_cpp='''std::optional<int> ControlCommand::pmId() const
{
    if (pmIdText == QLatin1String("all"))
        return std::nullopt;
    return pmIdText.toInt();
}
'''),
 dict(name='ControlResult', kind='command result', doc='A state report for a command: stream `N control-results` entry (the bridge writes).', idfield='cmd_id',
  fields=[
   ('cmd_id','cmdId','text',R,{}), ('host','host','text',R,{}),
   ('state','state','enum:ControlState',R,{'default':'ControlState::Received'}),
   ('message','message','text',O,{'cap':'caps::kMessage'}), ('at','at','time',R,{}), ('detail','detail','json',O,{}),
  ],
  extra_h='''    // succeeded, failed, expired and rejected end a command; received and running do not.
    bool isFinal() const;
''',
  extra_cpp='''bool ControlResult::isFinal() const
{
    return state != ControlState::Received && state != ControlState::Running;
}
'''),
 dict(name='Span', kind='span', doc='One span of a trace: a row of `agentops.spans` (agents and the simulator write).', idfield='span_id', pgonly=True,
  fields=[
   ('span_id','spanId','text',R,{}), ('trace_id','traceId','text',R,{}), ('parent_id','parentId','text',O,{}),
   ('session_id','sessionId','text',R,{}), ('turn','turn','int',R,{}),
   ('kind','kind','enum:SpanKind',R,{'default':'SpanKind::Turn'}), ('name','name','text',R,{}),
   ('agent','agent','text',R,{}), ('host','host','text',O,{}), ('model','model','text',O,{}),
   ('prompt_version','promptVersion','optint',O,{'min':1}), ('started_at','startedAt','time',R,{}),
   ('duration_ms','durationMs','num',R,{}), ('first_token_at','firstTokenAt','opttime',O,{}),
   ('input_tokens','inputTokens','optint',O,{}), ('output_tokens','outputTokens','optint',O,{}),
   ('cache_read_tokens','cacheReadTokens','optint',O,{}), ('cache_write_tokens','cacheWriteTokens','optint',O,{}),
   ('status','status','enum:SpanStatus',R,{'default':'SpanStatus::Ok'}),
   ('error','error','text',O,{'cap':'caps::kMessage'}), ('error_type','errorType','text',O,{}),
   ('path','path','text',R,{}), ('depth','depth','int',R,{}),
   ('subtree_tokens','subtreeTokens','optint',O,{}), ('subtree_errors','subtreeErrors','optint',O,{}),
   ('subtree_duration_ms','subtreeDurationMs','optnum',O,{}),
   ('attrs','attrs','json',O,{'cap':'caps::kSpanAttrs'}),
   ('input','input','text',O,{'cap':'caps::kSpanPayload'}), ('output','output','text',O,{'cap':'caps::kSpanPayload'}),
   ('input_bytes','inputBytes','optint',O,{}), ('output_bytes','outputBytes','optint',O,{}),
  ],
  extra_h='''    // One element of the LangSmith-style dotted path: "<start>Z<id>", start as
    // 20261126T232927123 (UTC, ms), so a plain text sort of path is tree order.
    static QString pathElement(qint64 startedAtMs, const QString &spanId);
''',
  includes=['<QDateTime>'],
  extra_cpp='''QString Span::pathElement(qint64 startedAtMs, const QString &spanId)
{
    const QDateTime t = QDateTime::fromMSecsSinceEpoch(startedAtMs, Qt::UTC);
    return t.toString(QStringLiteral("yyyyMMdd'T'HHmmsszzz")) + QLatin1Char('Z') + spanId;
}
'''),
 dict(name='SessionSummary', kind='session summary', doc='The durable summary of a session: a row of `agentops.sessions`.', idfield='session_id', pgonly=True,
  fields=[
   ('session_id','sessionId','text',R,{}), ('agent','agent','text',R,{}), ('layer','layer','text',O,{}),
   ('channel','channel','text',O,{}), ('host','host','text',O,{}), ('started_at','startedAt','time',R,{}),
   ('ended_at','endedAt','opttime',O,{}), ('turns','turns','int',R,{}),
   ('outcome','outcome','enum:SessionOutcome',R,{'default':'SessionOutcome::Active'}),
   ('max_fill_pct','maxFillPct','optnum',O,{}), ('had_recovery_events','hadRecoveryEvents','flag',R,{}),
   ('recovery_event_count','recoveryEventCount','int',R,{}), ('prompt_version','promptVersion','optint',O,{'min':1}),
   ('model','model','text',O,{}),
  ]),
 dict(name='PromptVersion', kind='prompt version', doc='One version of an agent\'s prompt: a row of `agentops.prompt_versions`.', pgonly=True,
  fields=[
   ('agent','agent','text',R,{}), ('version','version','int',R,{'min':1,'default':1}),
   ('body','body','text',R,{'cap':'caps::kPromptBody'}), ('model','model','text',R,{}),
   ('params','params','json',O,{}), ('created_at','createdAt','time',R,{}), ('created_by','createdBy','text',R,{}),
   ('note','note','text',O,{'cap':'caps::kMessage'}), ('eval_suite','evalSuite','text',O,{}),
   ('eval_score','evalScore','optnum',O,{'min':'-1e300'}), ('eval_passed','evalPassed','optflag',O,{}),
  ]),
 dict(name='PromptDeployment', kind='deployment', doc='One deploy or rollback: a row of `agentops.prompt_deployments`, optionally joined with its notification (view `agentops.prompt_deployment_status`).', idfield='id', pgonly=True,
  fields=[
   ('id','id','int',R,{'min':1}), ('agent','agent','text',R,{}), ('version','version','int',R,{'min':1,'default':1}),
   ('deployed_at','deployedAt','time',R,{}), ('deployed_by','deployedBy','text',R,{}),
   ('db_role','dbRole','text',O,{}),
   ('kind','kind','enum:DeploymentKind',R,{'default':'DeploymentKind::Deploy'}),
   ('reason','reason','text',O,{'cap':'caps::kMessage'}), ('previous_version','previousVersion','optint',O,{'min':1}),
   ('previous_deployment_id','previousDeploymentId','optint',O,{'min':1}),
   ('notified_at','notifiedAt','opttime',O,{}),
  ]),
 dict(name='OperatorAction', kind='operator action', doc='One audit row: a row of `agentops.operator_actions`.', idfield='id', pgonly=True,
  fields=[
   ('id','id','optint',O,{'min':1}), ('at','at','time',R,{}), ('operator','operatorName','text',R,{}),
   ('client_host','clientHost','text',R,{}),
   ('action','action','enum:OperatorActionKind',R,{'default':'OperatorActionKind::Reload'}),
   ('target','target','text',R,{}), ('reason','reason','text',R,{'cap':'caps::kMessage'}),
   ('params','params','json',O,{}),
   ('outcome','outcome','enum:OperatorOutcome',R,{'default':'OperatorOutcome::Requested'}),
   ('detail','detail','json',O,{}), ('ref_id','refId','optint',O,{'min':1}),
   ('db_role','dbRole','text',O,{}),
  ]),
 dict(name='ActivePrompt', kind='active prompt', doc='The version agents must use: hash `N prompt:{agent}` (the console writes on rollback). The agent comes from the key.',
  fields=[
   ('version','version','int',R,{'min':1,'default':1}), ('model','model','text',R,{}),
   ('deployment_id','deploymentId','int',R,{'min':1}), ('deployed_at','deployedAt','time',R,{}),
  ],
  id_member='agent',
  includes=[],
  extra_h='''    // The `N prompt-activated` message: {"agent","version","model","deployment_id","deployed_at"}.
    QByteArray toActivationMessage() const;
    static Parsed<ActivePrompt> parseActivationMessage(const QByteArray &message);
''',
  extra_cpp='''QByteArray ActivePrompt::toActivationMessage() const
{
    const nlohmann::json j = {{"agent", agent.toStdString()},
                              {"version", version},
                              {"model", model.toStdString()},
                              {"deployment_id", deploymentId},
                              {"deployed_at", deployedAt}};
    const std::string s = j.dump();
    return QByteArray(s.data(), qsizetype(s.size()));
}

Parsed<ActivePrompt> ActivePrompt::parseActivationMessage(const QByteArray &message)
{
    // Re-use the hash parser: flatten the JSON object's members into text fields.
    nlohmann::json j;
    QString error;
    if (message.size() > caps::kDetailJson) {
        return Parsed<ActivePrompt>(QString::fromLatin1(kKind), QString(), ActivePrompt(),
                                    {QStringLiteral("message is %1 bytes, over the %2-byte cap")
                                         .arg(message.size())
                                         .arg(caps::kDetailJson)});
    }
    if (!FieldReader::parseJson(message, &j, &error) || !j.is_object()) {
        return Parsed<ActivePrompt>(QString::fromLatin1(kKind), QString(), ActivePrompt(),
                                    {QStringLiteral("message is not a JSON object: ")
                                     + (error.isEmpty() ? QStringLiteral("wrong type") : error)});
    }
    RecordFields f;
    for (auto it = j.begin(); it != j.end(); ++it) {
        const std::string s = it->is_string() ? it->get<std::string>() : it->dump();
        f.set(QByteArray::fromStdString(it.key()), QByteArray(s.data(), qsizetype(s.size())));
    }
    const QString agentName = j.contains("agent") && j["agent"].is_string()
        ? QString::fromStdString(j["agent"].get<std::string>())
        : QString();
    if (agentName.isEmpty())
        return Parsed<ActivePrompt>(QString::fromLatin1(kKind), QString(), ActivePrompt(),
                                    {QStringLiteral("field agent is missing")});
    return parse(f, agentName);
}
'''),
]

CPPTYPE = {'text':'QString','int':'qint64','optint':'std::optional<qint64>','num':'double','optnum':'std::optional<double>',
           'flag':'bool','optflag':'std::optional<bool>','time':'qint64','opttime':'std::optional<qint64>','json':'nlohmann::json'}

def ctype(t):
    return t.split(':')[1] if t.startswith('enum:') else CPPTYPE[t]

def member_decl(f):
    name, m, t, need, ex = f
    ty = ctype(t)
    if t.startswith('enum:'):
        return f'    {ty} {m} = {ex["default"]};'
    if t in ('int','time'):
        return f'    {ty} {m} = {ex.get("default",0)};'
    if t == 'num':
        return f'    {ty} {m} = 0.0;'
    if t == 'flag':
        return f'    {ty} {m} = false;'
    return f'    {ty} {m};'

def read_stmt(f):
    name, m, t, need, ex = f
    # JSON fields (detail, params) are capped at 64 KiB unless said otherwise (contract).
    cap = ex.get('cap', 'caps::kDetailJson' if t == 'json' else 'caps::kScalar')
    mn = ex.get('min', 0)
    n = f'"{name}"'
    need_s = f'FieldReader::{need}'
    if t == 'text': return f'    v.{m} = r.text({n}, {need_s}, {cap});'
    if t == 'int': return f'    v.{m} = r.integer({n}, {need_s}, {mn}, std::numeric_limits<qint64>::max(), {ex.get("default",0)});'
    if t == 'optint': return f'    v.{m} = r.optInteger({n}, {mn});'
    if t == 'num': return f'    v.{m} = r.number({n}, {need_s}, {mn});'
    if t == 'optnum': return f'    v.{m} = r.optNumber({n}, {mn});'
    if t == 'flag': return f'    v.{m} = r.flag({n}, {need_s});'
    if t == 'optflag':
        return (f'    if (const auto *raw = f.find(QByteArrayLiteral({n})); raw && raw->has_value() && !(*raw)->isEmpty())\n'
                f'        v.{m} = r.flag({n}, FieldReader::Optional);')
    if t == 'time': return f'    v.{m} = r.time({n}, {need_s});'
    if t == 'opttime': return f'    v.{m} = r.optTime({n});'
    if t == 'json': return f'    v.{m} = r.json({n}, {need_s}, {cap});'
    e = t.split(':')[1]
    return f'    v.{m} = r.enumValue<{e}>({n}, {ex["default"]}, {need_s});'

def write_stmt(f):
    name, m, t, need, ex = f
    m = 'this->' + m  # a member may share a name with the parameter (target)
    n = f'"{name}"'
    where = ex.get('where','both')
    pre = ''
    if where == 'pg': pre = 'if (target == FieldWriter::Target::Postgres)\n        '
    if where == 'redis': pre = 'if (target == FieldWriter::Target::Redis)\n        '
    if t == 'text': s = f'w.{"text" if need == R else "optText"}({n}, {m});'
    elif t == 'int': s = f'w.integer({n}, {m});'
    elif t == 'optint': s = f'w.optInteger({n}, {m});'
    elif t == 'num': s = f'w.number({n}, {m});'
    elif t == 'optnum': s = f'w.optNumber({n}, {m});'
    elif t == 'flag': s = f'w.flag({n}, {m});'
    elif t == 'optflag':
        s = f'{{\n        if ({m})\n            w.flag({n}, *{m});\n        else if (target == FieldWriter::Target::Postgres)\n            w.json({n}, nullptr);\n    }}'
    elif t == 'time': s = f'w.time({n}, {m});'
    elif t == 'opttime': s = f'w.optTime({n}, {m});'
    elif t == 'json': s = f'w.json({n}, {m});'
    else: s = f'w.enumValue({n}, {m});'
    return '    ' + pre + s

def gen(rec):
    N = rec['name']
    fields = rec['fields']
    inc = rec.get('includes', [])
    h = [ '#pragma once', f'// {rec["doc"]}', '// Generated by scripts/gen_contract_records.py: edit the table there, not this file.',
          '#include "core/contract/Enums.h"', '#include "core/contract/FieldWriter.h"', '#include "core/contract/Parsed.h"',
          '#include "core/contract/RecordFields.h"', '', '#include <QByteArrayList>', '#include <QString>',
          '#include <nlohmann/json.hpp>', '#include <optional>', '', 'namespace switchboard {', '', f'struct {N}', '{',
          f'    static constexpr const char *kKind = "{rec["kind"]}";', '']
    if rec.get('id_member'):
        h.append(f'    QString {rec["id_member"]};  // from the key, not a field')
    h += [member_decl(f) for f in fields]
    h += ['',
          '    // Every field / column name, in contract order; and the ones a record must have.',
          '    static QByteArrayList fieldNames(FieldWriter::Target target = FieldWriter::Target::%s);' % ('Postgres' if rec.get('pgonly') else 'Redis'),
          '    static QByteArrayList requiredFieldNames();',
          '    // recordId names the record in messages (the key / stream id / primary key);',
          '    // when empty it is taken from the record itself where possible.',
          f'    static Parsed<{N}> parse(const RecordFields &fields, const QString &recordId = QString());',
          '    RecordFields toFields(FieldWriter::Target target = FieldWriter::Target::%s) const;' % ('Postgres' if rec.get('pgonly') else 'Redis')]
    if rec.get('extra_h'):
        h += ['', rec['extra_h'].rstrip('\n')]
    h += ['};', '', '} // namespace switchboard', '']
    c = [f'#include "core/contract/{N}.h"', '', '#include "core/contract/FieldReader.h"', '']
    c += [f'#include {i}' for i in inc] + ['#include <limits>', '', 'namespace switchboard {', '']
    c += [f'QByteArrayList {N}::fieldNames(FieldWriter::Target target)', '{', '    Q_UNUSED(target)  // not every record has target-specific fields', '    QByteArrayList out;']
    for f in fields:
        where = f[4].get('where','both')
        if where == 'pg': c.append(f'    if (target == FieldWriter::Target::Postgres)\n        out.append(QByteArrayLiteral("{f[0]}"));')
        elif where == 'redis': c.append(f'    if (target == FieldWriter::Target::Redis)\n        out.append(QByteArrayLiteral("{f[0]}"));')
        else: c.append(f'    out.append(QByteArrayLiteral("{f[0]}"));')
    c += ['    return out;', '}', '']
    req = ', '.join(f'QByteArrayLiteral("{f[0]}")' for f in fields if f[3] == R)
    c += [f'QByteArrayList {N}::requiredFieldNames()', '{', f'    return {{{req}}};', '}', '']
    c += [f'Parsed<{N}> {N}::parse(const RecordFields &f, const QString &recordId)', '{',
          '    FieldReader r(f);', f'    {N} v;']
    idexpr = 'recordId'
    if rec.get('idfield'):
        c += ['    QString id = recordId;',
              f'    if (id.isEmpty()) {{',
              f'        if (const auto *raw = f.find(QByteArrayLiteral("{rec["idfield"]}")); raw && raw->has_value())',
              '            id = QString::fromUtf8((*raw)->left(64));',
              '    }']
        idexpr = 'id'
    if rec.get('id_member'):
        c.append(f'    v.{rec["id_member"]} = recordId;')
    c += [read_stmt(f) for f in fields]
    if rec.get('check'):
        c.append(rec['check'].rstrip('\n'))
    c += [f'    return Parsed<{N}>(QString::fromLatin1(kKind), {idexpr}, std::move(v), r.errors());', '}', '']
    c += [f'RecordFields {N}::toFields(FieldWriter::Target target) const', '{', '    FieldWriter w(target);']
    c += [write_stmt(f) for f in fields]
    c += ['    return w.take();', '}', '']
    if rec.get('extra_cpp'):
        c += [rec['extra_cpp'].rstrip('\n'), '']
    c += ['} // namespace switchboard', '']
    os.makedirs('core/contract', exist_ok=True)
    open(f'core/contract/{N}.h','w').write('\n'.join(h))
    open(f'core/contract/{N}.cpp','w').write('\n'.join(c))

if __name__ == '__main__':
    for rec in RECORDS:
        gen(rec)
    import shutil, subprocess, glob
    if shutil.which('clang-format'):
        subprocess.run(['clang-format', '-i'] + glob.glob('core/contract/*.h') + glob.glob('core/contract/*.cpp'), check=False)
    print('\n'.join(r['name'] for r in RECORDS))
