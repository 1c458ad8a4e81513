#pragma once
namespace switchboard::test {
// A TCP port on 127.0.0.1 that was free a moment ago (bind to 0, read, close).
int freeLoopbackPort();
} // namespace switchboard::test
