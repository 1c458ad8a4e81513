#pragma once
// Small helpers shared by the Postgres tests: catch a PgResult delivered to the test's
// thread, and wait for it without blocking the event loop.
#include "core/pg/PgPool.h"

#include <QCoreApplication>
#include <QThread>
#include <QtTest>

#include <memory>

namespace switchboard::test {

template<typename T> struct Caught
{
    bool called = false;
    int calls = 0;
    bool onGuiThread = false;
    PgResult<T> result;
};

template<typename T> auto catcher(const std::shared_ptr<Caught<T>> &into)
{
    return [into](PgResult<T> r) {
        into->called = true;
        ++into->calls;
        into->onGuiThread = QThread::currentThread() == QCoreApplication::instance()->thread();
        into->result = std::move(r);
    };
}

} // namespace switchboard::test
