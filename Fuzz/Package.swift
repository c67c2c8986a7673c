// swift-tools-version:6.1
import PackageDescription

// libFuzzer targets for Parley, kept out of the main package because they need
// `-sanitize=fuzzer` (which provides `main`) and `-parse-as-library`.
//
//     Fuzz/run.sh fuzz-config 60            # build, then fuzz for 60 seconds
//     Fuzz/run.sh fuzz-config -runs=1000000
//
// To add a target: create Sources/NAME/NAME.swift defining `LLVMFuzzerTestOneInput` (copy
// Sources/fuzz-config), add `fuzzTarget("NAME", uses: [PRODUCTS])` below, and optionally
// seeds in seeds/NAME/ and a libFuzzer dictionary in dictionaries/NAME.dict.

func fuzzTarget(_ name: String, uses products: [String]) -> Target {
    .executableTarget(
        name: name,
        dependencies: products.map { .product(name: $0, package: "Parley") },
        swiftSettings: [.unsafeFlags(["-parse-as-library"])]
    )
}

let package = Package(
    name: "ParleyFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Parley", path: ".."),
    ],
    targets: [
        // ParleyConfiguration.parse(yaml:file:) on arbitrary bytes: must throw, never trap.
        fuzzTarget("fuzz-config", uses: ["ParleyConfig"]),
        // ControlFuzz.fuzzOne: the control socket's line decoder and request parser on
        // arbitrary bytes: must answer with a protocol error, never trap.
        fuzzTarget("fuzz-control", uses: ["ParleyControl"]),
        // VoiceModemFuzz.fuzzOne: the AT response parser, DLE shielding and the voice-modem
        // state machine on arbitrary bytes: must report malformed input, never trap.
        fuzzTarget("fuzz-at", uses: ["ParleyDevices"]),
        // SMSPDUFuzz.fuzzOne: SMS PDU decoding, reassembly and the GSM modem state machine.
        fuzzTarget("fuzz-sms", uses: ["ParleyDevices"]),
        // PEIFuzz.fuzzOne: the TETRA PEI state machine (phase chosen by the first byte) and the
        // SDS decoders: must report bad input, never trap or leave PTT held on a dead terminal.
        fuzzTarget("fuzz-pei", uses: ["ParleyDevices"]),
        // CallerIDFuzz.fuzzOne: caller-ID frames and the FSK decoder.
        fuzzTarget("fuzz-callerid", uses: ["ParleyDSP"]),
    ]
)
