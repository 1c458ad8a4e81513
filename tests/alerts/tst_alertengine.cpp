// The alert rules, each fired and resolved from hand-written observations, with a
// ManualClock stepping the windows (no waiting): context fill (warn, escalate, resolve),
// failure rate per agent and per agent x kind with its denominator and minimum counts,
// unrecoverable events, a silent host, a crash loop (growth, errored, restart_overlimit),
// a deployment not notified, an unanswered command; one start per alert, not per
// evaluation; acknowledgements kept across a restart of the alert.
#include "core/alerts/AlertEngine.h"
#include "core/util/Clock.h"

#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace switchboard;

class TstAlertEngine : public QObject
{
    Q_OBJECT

private:
    static QStringList keys(const QSignalSpy &spy)
    {
        QStringList out;
        for (const auto &args : spy)
            out.append(args.at(0).value<Alert>().key);
        out.sort();
        return out;
    }

private Q_SLOTS:
    void contextFillWarnsEscalatesAndResolves()
    {
        ManualClock clock;
        AlertEngine engine(AlertRules {}, &clock);
        QSignalSpy started(&engine, &AlertEngine::alertStarted);
        QSignalSpy escalated(&engine, &AlertEngine::alertEscalated);
        QSignalSpy resolved(&engine, &AlertEngine::alertResolved);

        engine.observeSession(QStringLiteral("s1"), QStringLiteral("triage"), 0.69, 3, -1, false);
        engine.evaluate();
        QCOMPARE(started.count(), 0);

        engine.observeSession(QStringLiteral("s1"), QStringLiteral("triage"), 0.75, 4, -1, false);
        engine.evaluate();
        engine.evaluate(); // judged again: still one start
        QCOMPARE(keys(started), QStringList {QStringLiteral("context-fill:s1")});
        const Alert *a = engine.alert(QStringLiteral("context-fill:s1"));
        QVERIFY(a && a->firing);
        QCOMPARE(a->severity, AlertSeverity::Warning);
        QCOMPARE(a->threshold, 70.0);
        QCOMPARE(a->evidence.target, AlertEvidence::Target::Session);
        QCOMPARE(a->evidence.sessionId, QStringLiteral("s1"));
        const qint64 since = a->sinceMs;

        clock.advanceMs(5000);
        engine.observeSession(QStringLiteral("s1"), QStringLiteral("triage"), 0.93, 5, -1, false);
        engine.evaluate();
        QCOMPARE(escalated.count(), 1);
        QCOMPARE(started.count(), 1);
        a = engine.alert(QStringLiteral("context-fill:s1"));
        QCOMPARE(a->severity, AlertSeverity::Critical);
        QCOMPARE(a->threshold, 90.0);
        QCOMPARE(a->sinceMs, since); // still the same alert, since its start

        clock.advanceMs(1000);
        engine.observeSession(QStringLiteral("s1"), QStringLiteral("triage"), 0.93, 5, -1, true);
        engine.evaluate();
        QCOMPARE(resolved.count(), 1);
        QVERIFY(!engine.alert(QStringLiteral("context-fill:s1"))->firing);
        QCOMPARE(engine.firingCount(), 0);

        // A session that left the index resolves too.
        engine.observeSession(QStringLiteral("s2"), QStringLiteral("triage"), 0.8, 1, -1, false);
        engine.evaluate();
        QCOMPARE(started.count(), 2);
        engine.forgetSession(QStringLiteral("s2"));
        engine.evaluate();
        QCOMPARE(resolved.count(), 2);

        // Resolved alerts are listed for an hour, then dropped.
        QCOMPARE(engine.alerts().size(), 2);
        clock.advanceMs(3601 * 1000);
        engine.evaluate();
        QCOMPARE(engine.alerts().size(), 0);
    }

    void failureRateNeedsItsMinimumsAndSlidesOut()
    {
        ManualClock clock;
        AlertRules rules;
        rules.rateWindowS = 600;
        rules.rateMinCalls = 20;
        rules.rateMinFailures = 3;
        rules.rateWarnAt = 0.10;
        rules.rateCriticalAt = 0.25;
        AlertEngine engine(rules, &clock);
        QSignalSpy started(&engine, &AlertEngine::alertStarted);
        QSignalSpy resolved(&engine, &AlertEngine::alertResolved);
        const QString agent = QStringLiteral("billing");
        const QString tool = QStringLiteral("tool_error");
        engine.observeActiveDeployment(agent, 42);

        // A session seen first with 500 turns, started long ago: a baseline, not 500 calls.
        engine.observeSession(QStringLiteral("a"), agent, 0.1, 500, 3600 * 1000, false);
        for (int i = 0; i < 5; ++i)
            engine.observeRecoveryEvent(agent, tool, true, true, 0);
        engine.evaluate();
        QCOMPARE(started.count(), 0); // no denominator yet: not judged

        // 10 turns: 5 failures / 10 turns, but under the 20-turn minimum.
        engine.observeSession(QStringLiteral("a"), agent, 0.1, 510, 3600 * 1000, false);
        engine.evaluate();
        QCOMPARE(started.count(), 0);

        // A new session (started 1 min ago) counts its turns in full: 10 + 30 = 40 turns,
        // 5 failed = 12.5 %: warning, for the agent and for agent x tool_error.
        engine.observeSession(QStringLiteral("b"), agent, 0.1, 30, 60 * 1000, false);
        engine.evaluate();
        QCOMPARE(keys(started),
                 (QStringList {QStringLiteral("failure-rate-kind:billing/tool_error"),
                               QStringLiteral("failure-rate:billing")}));
        const Alert *a = engine.alert(QStringLiteral("failure-rate:billing"));
        QCOMPARE(a->severity, AlertSeverity::Warning);
        QCOMPARE(a->value, 12.5);
        QCOMPARE(a->threshold, 10.0);
        QCOMPARE(a->evidence.target, AlertEvidence::Target::Events);
        QCOMPARE(a->evidence.agent, agent);
        QCOMPARE(a->evidence.deploymentId, qint64(42));
        QCOMPARE(
            engine.alert(QStringLiteral("failure-rate-kind:billing/tool_error"))->evidence.kind,
            tool);

        // Recovered events and events older than the window count for nothing.
        engine.observeRecoveryEvent(agent, tool, true, false, 0);
        engine.observeRecoveryEvent(agent, tool, true, true, 601 * 1000);
        engine.evaluate();
        QCOMPARE(engine.alert(QStringLiteral("failure-rate:billing"))->value, 12.5);

        // 6 more failures of another kind: 11 / 40 = 27.5 %: critical for the agent; the
        // kind's own rate (6 / 40 = 15 %) is a warning.
        for (int i = 0; i < 6; ++i)
            engine.observeRecoveryEvent(agent, QStringLiteral("model_timeout"), true, true, 0);
        engine.evaluate();
        QCOMPARE(engine.alert(QStringLiteral("failure-rate:billing"))->severity,
                 AlertSeverity::Critical);
        QCOMPARE(engine.alert(QStringLiteral("failure-rate-kind:billing/model_timeout"))->severity,
                 AlertSeverity::Warning);

        // The window slides past everything: all three resolve.
        clock.advanceMs(601 * 1000);
        engine.evaluate();
        QCOMPARE(resolved.count(), 3);
        QCOMPARE(engine.firingCount(), 0);
    }

    void unrecoverableFiresAtAnyRate()
    {
        ManualClock clock;
        AlertEngine engine(AlertRules {}, &clock);
        QSignalSpy started(&engine, &AlertEngine::alertStarted);
        QSignalSpy resolved(&engine, &AlertEngine::alertResolved);
        engine.observeRecoveryEvent(QStringLiteral("voice"), QStringLiteral("content_filter"),
                                    false, false, 2000);
        engine.evaluate();
        QCOMPARE(keys(started), QStringList {QStringLiteral("unrecoverable:voice/content_filter")});
        QCOMPARE(engine.alert(QStringLiteral("unrecoverable:voice/content_filter"))->severity,
                 AlertSeverity::Critical);
        clock.advanceMs(599 * 1000);
        engine.evaluate();
        QCOMPARE(resolved.count(), 1); // 2 s + 599 s > the 600 s window
    }

    void hostSilentAfterThreeHeartbeats()
    {
        ManualClock clock;
        AlertEngine engine(AlertRules {}, &clock);
        QSignalSpy started(&engine, &AlertEngine::alertStarted);
        QSignalSpy resolved(&engine, &AlertEngine::alertResolved);
        engine.observeHost(QStringLiteral("gpu-1"), 1000, 2000);
        engine.evaluate();
        clock.advanceMs(5000); // 6 s = 3 x 2 s: not yet
        engine.evaluate();
        QCOMPARE(started.count(), 0);
        clock.advanceMs(1);
        engine.evaluate();
        QCOMPARE(keys(started), QStringList {QStringLiteral("host-silent:gpu-1")});
        QCOMPARE(engine.alert(QStringLiteral("host-silent:gpu-1"))->evidence.host,
                 QStringLiteral("gpu-1"));
        engine.observeHost(QStringLiteral("gpu-1"), 100, 2000); // a heartbeat again
        engine.evaluate();
        QCOMPARE(resolved.count(), 1);
    }

    void crashLoop()
    {
        ManualClock clock;
        AlertRules rules;
        rules.crashLoopRestarts = 3;
        rules.crashLoopWindowS = 300;
        AlertEngine engine(rules, &clock);
        QSignalSpy started(&engine, &AlertEngine::alertStarted);
        QSignalSpy resolved(&engine, &AlertEngine::alertResolved);
        const QString h = QStringLiteral("h1"), app = QStringLiteral("stt");
        const QString key = QStringLiteral("crash-loop:h1/stt/0");

        // Restarts spread over more than the window do not count as a loop.
        engine.observeProcess(h, app, 0, 10, false);
        for (int i = 1; i <= 3; ++i) {
            clock.advanceMs(200 * 1000);
            engine.observeProcess(h, app, 0, 10 + i, false);
            engine.evaluate();
        }
        QCOMPARE(started.count(), 0);
        // Three more within a minute: a loop (with the two before them that are still in
        // the 300 s window, at 400 s and 600 s: five restarts).
        for (int i = 1; i <= 3; ++i) {
            clock.advanceMs(20 * 1000);
            engine.observeProcess(h, app, 0, 13 + i, false);
        }
        engine.evaluate();
        QCOMPARE(keys(started), QStringList {key});
        QCOMPARE(engine.alert(key)->value, 5.0);
        QCOMPARE(engine.alert(key)->evidence.pmId, qint64(0));
        clock.advanceMs(301 * 1000); // no restart for a whole window
        engine.observeProcess(h, app, 0, 16, false);
        engine.evaluate();
        QCOMPARE(resolved.count(), 1);

        // errored fires and resolves with the status.
        engine.observeProcess(h, app, 0, 16, true);
        engine.evaluate();
        QCOMPARE(started.count(), 2);
        engine.observeProcess(h, app, 0, 16, false);
        engine.evaluate();
        QCOMPARE(resolved.count(), 2);

        // restart_overlimit fires for the window after it happened.
        engine.observeRestartOverlimit(h, app, 0, 1000);
        engine.evaluate();
        QCOMPARE(started.count(), 3);
        QVERIFY(engine.alert(key)->detail.contains(QStringLiteral("restart_overlimit")));
        clock.advanceMs(300 * 1000);
        engine.evaluate();
        QCOMPARE(resolved.count(), 3);
        // A counter reset (pm2 update) is not growth.
        engine.observeProcess(h, app, 0, 0, false);
        engine.evaluate();
        QCOMPARE(started.count(), 3);
    }

    void deploymentNotNotified()
    {
        ManualClock clock;
        AlertRules rules;
        rules.deploymentNotifyS = 60;
        AlertEngine engine(rules, &clock);
        QSignalSpy started(&engine, &AlertEngine::alertStarted);
        QSignalSpy resolved(&engine, &AlertEngine::alertResolved);
        engine.observeDeployment(7, QStringLiteral("billing"), 10 * 1000, false);
        engine.evaluate();
        clock.advanceMs(50 * 1000);
        engine.evaluate();
        QCOMPARE(started.count(), 0);
        clock.advanceMs(1);
        engine.evaluate();
        QCOMPARE(keys(started), QStringList {QStringLiteral("deployment-not-notified:7")});
        QCOMPARE(engine.alert(QStringLiteral("deployment-not-notified:7"))->evidence.deploymentId,
                 qint64(7));
        engine.observeDeployment(7, QStringLiteral("billing"), 70 * 1000, true);
        engine.evaluate();
        QCOMPARE(resolved.count(), 1);
    }

    void commandUnanswered()
    {
        ManualClock clock;
        AlertEngine engine(AlertRules {}, &clock);
        QSignalSpy started(&engine, &AlertEngine::alertStarted);
        QSignalSpy resolved(&engine, &AlertEngine::alertResolved);
        engine.observeCommandUnanswered(QStringLiteral("c1"), QStringLiteral("h1"),
                                        QStringLiteral("stt"), QStringLiteral("reload"));
        engine.evaluate();
        QCOMPARE(keys(started), QStringList {QStringLiteral("command-unanswered:c1")});
        engine.observeCommandAnswered(QStringLiteral("c1"));
        engine.evaluate();
        QCOMPARE(resolved.count(), 1);
    }

    void disabledRulesDoNotFire()
    {
        ManualClock clock;
        AlertRules rules;
        rules.fillEnabled = false;
        rules.hostSilentEnabled = false;
        AlertEngine engine(rules, &clock);
        engine.observeSession(QStringLiteral("s"), QStringLiteral("a"), 0.99, 1, -1, false);
        engine.observeHost(QStringLiteral("h"), 60000, 2000);
        engine.evaluate();
        QCOMPARE(engine.firingCount(), 0);
        rules.fillEnabled = true;
        engine.setRules(rules);
        engine.evaluate();
        QCOMPARE(engine.firingCount(), 1);
    }

    void acknowledgementSticksToTheKey()
    {
        ManualClock clock;
        AlertEngine engine(AlertRules {}, &clock);
        AlertAckState ack;
        ack.acknowledged = true;
        ack.by = QStringLiteral("alice");
        ack.atMs = 1234;
        engine.applyAck(QStringLiteral("host-silent:h"), ack); // before the alert exists
        engine.observeHost(QStringLiteral("h"), 60000, 2000);
        engine.evaluate();
        const Alert *a = engine.alert(QStringLiteral("host-silent:h"));
        QVERIFY(a);
        QVERIFY(a->ack.acknowledged);
        QCOMPARE(a->ack.by, QStringLiteral("alice"));
    }

    void rulesRoundTripPerProfile()
    {
        QTemporaryDir dir;
        QSettings s(dir.filePath(QStringLiteral("a.ini")), QSettings::IniFormat);
        AlertRules r;
        r.rateWindowS = 120;
        r.fillWarnAt = 0.5;
        r.crashLoopRestarts = 7;
        r.save(s, QStringLiteral("prod/eu"));
        QCOMPARE(AlertRules::load(s, QStringLiteral("prod/eu")), r);
        QCOMPARE(AlertRules::load(s, QStringLiteral("staging")), AlertRules {});
        // Nonsense falls back to the defaults.
        s.setValue(QStringLiteral("alerts/staging/fill/warn"), 3.0);
        s.setValue(QStringLiteral("alerts/staging/rate/window_s"), -5);
        QCOMPARE(AlertRules::load(s, QStringLiteral("staging")), AlertRules {});
    }
};

QTEST_GUILESS_MAIN(TstAlertEngine)
#include "tst_alertengine.moc"
