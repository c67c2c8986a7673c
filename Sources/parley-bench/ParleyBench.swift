import ArgumentParser

@main
struct ParleyBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parley-bench",
        abstract: "Measures Parley's speed and memory targets (see docs/BENCHMARKS.md).",
        subcommands: [StoreBenchmark.self, PTTBenchmark.self, RecorderBenchmark.self, TTYBenchmark.self, ANIBenchmark.self]
    )
}
