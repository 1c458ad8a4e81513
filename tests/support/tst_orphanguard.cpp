// A test that crashes must not leave its servers running: a child copy of this executable
// starts Redis and PostgreSQL through the fixtures and aborts (no destructors run); the
// servers must go away and the Postgres cluster's directory must be removed.
#include "support/PostgresServer.h"
#include "support/RedisServer.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QProcess>
#include <QTcpSocket>
#include <QTest>
#include <QThread>

#include <cstdio>
#include <cstdlib>

using namespace switchboard::test;

namespace {

const char *const kChildVar = "SB_ORPHANGUARD_CHILD";

int runChild()
{
    RedisServer redis;
    PostgresServer pg;
    if (!redis.start() || !pg.start()) {
        std::fprintf(stdout, "error %s %s\n", qPrintable(redis.error()), qPrintable(pg.error()));
        return 2;
    }
    std::fprintf(stdout, "servers %d %d %s\n", redis.port(), pg.port(),
                 qPrintable(QDir(pg.dataDir()).absolutePath()));
    std::fflush(stdout);
    std::abort(); // no destructor runs: only the guards can stop the servers
}

bool answers(int port)
{
    QTcpSocket socket;
    socket.connectToHost(QStringLiteral("127.0.0.1"), quint16(port));
    return socket.waitForConnected(500);
}

} // namespace

class TestOrphanGuard : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void serversDieWithACrashedTest()
    {
        QProcess child;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QString::fromLatin1(kChildVar), QStringLiteral("1"));
        child.setProcessEnvironment(env);
        child.start(QCoreApplication::applicationFilePath(), {});
        QVERIFY(child.waitForFinished(90000));
        QCOMPARE(child.exitStatus(), QProcess::CrashExit); // it aborted
        const QList<QByteArray> words = child.readAllStandardOutput().trimmed().split(' ');
        QVERIFY2(words.size() == 4 && words[0] == "servers", words.join(' ').constData());
        const int redisPort = words[1].toInt();
        const int pgPort = words[2].toInt();
        const QString pgData = QString::fromLocal8Bit(words[3]);

        // The guards act within a second of the child's death (plus Postgres' shutdown).
        QDeadlineTimer deadline(20000);
        while ((answers(redisPort) || answers(pgPort) || QDir(pgData).exists())
               && !deadline.hasExpired())
            QThread::msleep(200);
        QVERIFY2(!answers(redisPort), "redis-server outlived the crashed test");
        QVERIFY2(!answers(pgPort), "PostgreSQL outlived the crashed test");
        QVERIFY2(!QDir(pgData).exists(), "the Postgres cluster directory was left behind");
    }
};

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    if (qEnvironmentVariableIsSet(kChildVar))
        return runChild();
    TestOrphanGuard test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_orphanguard.moc"
