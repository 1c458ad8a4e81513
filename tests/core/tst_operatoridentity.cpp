// OperatorIdentity: the one rule for who acts and from where (every audit row and an
// export's origin): the configured operator wins, then $USER, then $LOGNAME, then
// "unknown"; the host is this machine's host name, whichever way the name was found.
#include "core/util/OperatorIdentity.h"

#include <QSysInfo>
#include <QTest>

using namespace switchboard;

class TestOperatorIdentity : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();
    void configuredNameWins();
    void fallsBackToTheLogin();
    void unknownWithoutAnyName();
    void givenIdentityIsKept();

private:
    QByteArray m_user;
    QByteArray m_logname;
    bool m_hadUser = false;
    bool m_hadLogname = false;
};

void TestOperatorIdentity::init()
{
    m_hadUser = qEnvironmentVariableIsSet("USER");
    m_hadLogname = qEnvironmentVariableIsSet("LOGNAME");
    m_user = qgetenv("USER");
    m_logname = qgetenv("LOGNAME");
}

void TestOperatorIdentity::cleanup()
{
    if (m_hadUser)
        qputenv("USER", m_user);
    else
        qunsetenv("USER");
    if (m_hadLogname)
        qputenv("LOGNAME", m_logname);
    else
        qunsetenv("LOGNAME");
}

void TestOperatorIdentity::configuredNameWins()
{
    qputenv("USER", "login-user");
    const OperatorIdentity id = OperatorIdentity::resolve(QStringLiteral("alice"));
    QCOMPARE(id.name(), QStringLiteral("alice"));
    QCOMPARE(id.host(), QSysInfo::machineHostName());
    QVERIFY(!id.host().isEmpty());
}

void TestOperatorIdentity::fallsBackToTheLogin()
{
    qputenv("USER", "login-user");
    qputenv("LOGNAME", "log-name");
    QCOMPARE(OperatorIdentity::resolve(QString()).name(), QStringLiteral("login-user"));
    qunsetenv("USER");
    QCOMPARE(OperatorIdentity::loginName(), QStringLiteral("log-name"));
    const OperatorIdentity id = OperatorIdentity::resolve(QString());
    QCOMPARE(id.name(), QStringLiteral("log-name"));
    QCOMPARE(id.host(), OperatorIdentity::resolve(QStringLiteral("bob")).host());
}

void TestOperatorIdentity::unknownWithoutAnyName()
{
    qunsetenv("USER");
    qunsetenv("LOGNAME");
    QVERIFY(OperatorIdentity::loginName().isEmpty());
    QCOMPARE(OperatorIdentity::resolve(QString()).name(), QStringLiteral("unknown"));
    QCOMPARE(OperatorIdentity().name(), QStringLiteral("unknown"));
}

void TestOperatorIdentity::givenIdentityIsKept()
{
    const OperatorIdentity id(QStringLiteral("tester"), QStringLiteral("ci"));
    QCOMPARE(id.name(), QStringLiteral("tester"));
    QCOMPARE(id.host(), QStringLiteral("ci"));
}

QTEST_GUILESS_MAIN(TestOperatorIdentity)
#include "tst_operatoridentity.moc"
