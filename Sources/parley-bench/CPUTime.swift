import Foundation

/// The calling thread's CPU time in seconds (`CLOCK_THREAD_CPUTIME_ID`): what a decoder or
/// encoder cost, whatever else the machine is doing.
func threadCPUSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

/// CPU time (user + system) and context switches from `getrusage`: of this process (all its
/// threads) or of its finished children (an external decoder such as minimodem).
struct ProcessUsage {
    var cpuSeconds: Double
    var voluntarySwitches: Int
    var involuntarySwitches: Int

    static func now(_ who: __rusage_who = RUSAGE_SELF) -> ProcessUsage {
        var usage = rusage()
        getrusage(who.rawValue, &usage)
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return ProcessUsage(
            cpuSeconds: seconds(usage.ru_utime) + seconds(usage.ru_stime),
            voluntarySwitches: usage.ru_nvcsw, involuntarySwitches: usage.ru_nivcsw)
    }

    /// "CPU 9.1 µs/event, 1234 + 56 context switches" (two cores give at most twice the wall
    /// time).
    func since(_ start: ProcessUsage, events: Int) -> String {
        String(
            format: "CPU %.1f µs/event, %d + %d context switches", (cpuSeconds - start.cpuSeconds) * 1e6 / Double(events),
            voluntarySwitches - start.voluntarySwitches, involuntarySwitches - start.involuntarySwitches)
    }
}
