#pragma once
// Time limits in tests are properties of the design (the GUI thread never waits on the
// network), measured in wall-clock ms. Under the sanitizers every instruction costs
// several times more, so a limit is scaled there; a real blocking call (a connect or a
// query on the GUI thread) still takes seconds and still fails the test.
namespace switchboard::test {

constexpr int timingSlack()
{
#ifdef SWITCHBOARD_SANITIZED
    return 3;
#else
    return 1;
#endif
}

// The longest event-loop stall a test accepts: 50 ms, the figure.
constexpr int maxStallMs()
{
    return 50 * timingSlack();
}

} // namespace switchboard::test
