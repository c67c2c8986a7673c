import ParleyConfig
import ParleyCore
import Testing

@Suite struct ChannelConfiguration {
    @Test func aFullChannelIsReadWithEveryKey() throws {
        let configuration = try parse("""
            channels:
              - id: north
                name: North sector
                capture: { device: "plughw:CARD=Device,DEV=0", rate: 48000 }
                playback: { device: "plughw:CARD=Device,DEV=0" }
                transmit_audio: { raw_file: tx.raw }
                dispatcher_audio: { device: "plughw:CARD=Headset,DEV=0", rate: 48000 }
                squelch:
                  sources:
                    - { type: vox, threshold_dbfs: -35.5, attack_ms: 20, hang_ms: 600 }
                    - { type: serial, port: /dev/ttyUSB0, line: dsr, invert: true }
                    - { type: cm108, hidraw: /dev/hidraw1, bit: 0 }
                  debounce_ms: 40
                  hang_ms: 250
                  rx_timeout_seconds: 0
                recording: { pre_roll_ms: 500 }
                ptt: { type: serial, port: /dev/ttyUSB0, lines: [rts, "!dtr"], tx_delay_ms: 150, tail_ms: 80 }
                keying:
                  tot_seconds: 90
                  tot_warning_seconds: 15
                  refuse_while_receiving: false
                  emergency_overrides_receiving: false
                  emergency_marker_seconds: 0
              - id: south
                capture: { raw_file: south.raw }
                ptt: { type: rigctld, port: 4533 }
            """)
        try #require(configuration.channels.count == 2)
        let north = configuration.channels[0]
        #expect(north.name == "North sector")
        #expect(north.capture == .init(source: .device("plughw:CARD=Device,DEV=0"), sampleRate: 48000))
        #expect(north.playback?.sampleRate == 48000, "playback defaults to the capture rate")
        #expect(north.transmitAudio == .init(source: .rawFile("tx.raw"), sampleRate: 48000))
        #expect(north.dispatcherAudio == .init(source: .device("plughw:CARD=Headset,DEV=0"), sampleRate: 48000))
        #expect(north.squelch.sources == [
            .vox(.init(thresholdDBFS: -35.5, attack: .milliseconds(20), hang: .milliseconds(600))),
            .serial(port: "/dev/ttyUSB0", line: .dsr, inverted: true),
            .cm108(hidraw: "/dev/hidraw1", bit: 0, inverted: false),
        ])
        #expect(north.squelch.timing == SquelchConfiguration(debounce: .milliseconds(40), hangTime: .milliseconds(250), receiveTimeout: nil))
        #expect(north.preRoll == .milliseconds(500))
        #expect(north.ptt == .init(kind: .serial(port: "/dev/ttyUSB0", lines: [.init(.rts), .init(.dtr, inverted: true)])))
        #expect(north.keying == FloorControlConfiguration(
            transmitTimeout: .seconds(90), timeoutWarning: .seconds(15), txDelay: .milliseconds(150), tail: .milliseconds(80),
            refuseWhileReceiving: false, emergencyOverridesReceiving: false))
        #expect(north.emergencyMarkerInterval == nil)
        let south = configuration.channels[1]
        #expect(south.name == "south")
        #expect(south.ptt == .init(kind: .rigctld(host: "127.0.0.1", port: 4533)))
        #expect(south.squelch == ParleyConfiguration.Squelch(), "VOX at its defaults")
        #expect(south.keying == FloorControlConfiguration())
    }

    @Test func aTETRAChannelIsKeyedAndSquelchedThroughItsTerminal() throws {
        let configuration = try parse("""
            channels:
              - id: tetra1
                capture: { device: default }
                tetra:
                  device: sim/tetra.pty
                  baud: 9600
                  gssi: 1001
                  init: [ATZ, "AT+CTGS=1,1001"]
                  emergency_statuses: [0, 65535]
                  statuses:
                    - { value: 32768, meaning: available }
                    - { value: 32770, meaning: at scene }
                  response_timeout_seconds: 3
              - id: tetra2
                capture: { device: default }
                tetra: { device: /dev/ttyUSB3, gssi: 2002 }
            """).resolvingPaths(stateDirOverride: "/var/lib/parley")
        let first = try #require(configuration.channels.first?.tetra)
        #expect(first == .init(
            device: "/var/lib/parley/sim/tetra.pty", baudRate: 9600, gssi: 1001, initialisation: ["ATZ", "AT+CTGS=1,1001"],
            emergencyStatuses: [0, 65535], statuses: [32768: "available", 32770: "at scene"], responseTimeout: .seconds(3)))
        #expect(configuration.channels[0].ptt == nil && configuration.channels[0].hasTransmitter)
        #expect(configuration.channels[0].squelch.sources.isEmpty, "the terminal opens the squelch; no VOX unless asked for")
        #expect(configuration.channels[0].ani == nil)
        let second = try #require(configuration.channels.last?.tetra)
        #expect(second.baudRate == 38400 && second.initialisation == nil && second.emergencyStatuses == [0] && second.statuses.isEmpty)
    }

    @Test func relativeDevicePathsAreInsideTheStateDirectory() throws {
        let configuration = try parse("""
            daemon: { state_dir: /var/lib/parley }
            channels:
              - id: sim
                capture: { raw_file: demo-radio/sim.raw }
                squelch: { sources: [ { type: cm108, hidraw: demo-radio/cor.hid } ] }
                ptt: { type: cm108, hidraw: /dev/hidraw3 }
            """).resolvingPaths(currentDirectory: "/home/x")
        let sim = configuration.channels[0]
        #expect(sim.capture.source == .rawFile("/var/lib/parley/demo-radio/sim.raw"))
        #expect(sim.squelch.sources == [.cm108(hidraw: "/var/lib/parley/demo-radio/cor.hid", bit: 1, inverted: false)])
        #expect(sim.ptt == .init(kind: .cm108(hidraw: "/dev/hidraw3", gpio: 3, inverted: false)))
    }

    static let badInputs: [BadInput] = [
        BadInput(name: "unknown ANI type", yaml: """
            channels:
              - id: north
                capture: { device: default }
                ani: dmtf
            """, code: .invalidValue, line: 4, column: 10, key: "channels[0].ani",
            message: "unknown ANI type 'dmtf'", hint: "dtmf, ccir, zvei1, eea"),
        BadInput(name: "TETRA channel with a PTT", yaml: """
            channels:
              - id: north
                capture: { device: default }
                ptt: { type: serial, port: /dev/ttyUSB0 }
                tetra: { device: /dev/ttyUSB1, gssi: 1001 }
            """, code: .invalidValue, line: 4, column: 5, key: "channels[0].ptt",
            message: "keyed through it", hint: "remove ptt:"),
        BadInput(name: "TETRA GSSI out of range", yaml: """
            channels:
              - id: north
                capture: { device: default }
                tetra: { device: /dev/ttyUSB1, gssi: 16777216 }
            """, code: .outOfRange, line: 4, column: 42, key: "channels[0].tetra.gssi",
            message: "16777216", hint: "16777215"),
        BadInput(name: "TETRA init that is not AT", yaml: """
            channels:
              - id: north
                capture: { device: default }
                tetra: { device: /dev/ttyUSB1, gssi: 5, init: [ATZ, reboot] }
            """, code: .invalidValue, line: 4, column: 57, key: "channels[0].tetra.init[1]",
            message: "'reboot' is not an AT command", hint: "starting with AT"),
        BadInput(name: "unknown PTT type", yaml: """
            channels:
              - id: north
                capture: { device: default }
                ptt: { type: gpiod, port: /dev/x }
            """, code: .invalidValue, line: 4, column: 18, key: "channels[0].ptt.type",
            message: "unknown PTT type 'gpiod'", hint: "serial, cm108, rigctld"),
        BadInput(name: "CM108 GPIO out of range", yaml: """
            channels:
              - id: north
                capture: { device: default }
                ptt:
                  type: cm108
                  hidraw: /dev/hidraw0
                  gpio: 9
            """, code: .outOfRange, line: 7, column: 13, key: "channels[0].ptt.gpio",
            message: "9 is out of range", hint: "from 1 to 8"),
        BadInput(name: "duplicate channel id", yaml: """
            channels:
              - { id: north, capture: { device: default } }
              - { id: north, capture: { device: hw:1 } }
            """, code: .invalidValue, line: 3, column: 5, key: "channels[1]",
            message: "'north' is used twice", hint: "its own id"),
        BadInput(name: "no capture", yaml: """
            channels:
              - id: north
            """, code: .missingKey, line: 2, column: 5, key: "channels[0]",
            message: "'capture' is missing", hint: "capture:"),
        BadInput(name: "device and raw_file both", yaml: """
            channels:
              - id: north
                capture: { device: default, raw_file: x.raw }
            """, code: .invalidValue, line: 3, column: 33, key: "channels[0].capture.raw_file",
            message: "either device or raw_file", hint: "remove one"),
        BadInput(name: "unsupported rate", yaml: """
            channels:
              - id: north
                capture: { device: default, rate: 44100 }
            """, code: .invalidValue, line: 3, column: 39, key: "channels[0].capture.rate",
            message: "44100 Hz is not supported", hint: "8000, 16000, 48000"),
        BadInput(name: "transmit audio at another rate", yaml: """
            channels:
              - id: north
                capture: { device: default }
                transmit_audio: { device: default, rate: 8000 }
            """, code: .invalidValue, line: 4, column: 46, key: "channels[0].transmit_audio.rate",
            message: "runs at the channel's rate (capture.rate 16000)", hint: "set it to 16000"),
        BadInput(name: "bad channel id", yaml: """
            channels:
              - id: north sector
                capture: { device: default }
            """, code: .invalidValue, line: 2, column: 9, key: "channels[0].id",
            message: "not a valid channel id", hint: "letters, digits"),
        BadInput(name: "misspelt squelch key", yaml: """
            channels:
              - id: north
                capture: { device: default }
                squelch: { hang_mss: 300 }
            """, code: .unknownKey, line: 4, column: 16, key: "channels[0].squelch.hang_mss",
            message: "unknown key", hint: "did you mean 'hang_ms'?"),
        BadInput(name: "bad PTT line", yaml: """
            channels:
              - id: north
                capture: { device: default }
                ptt: { type: serial, port: /dev/ttyS0, lines: [cts] }
            """, code: .invalidValue, line: 4, column: 52, key: "channels[0].ptt.lines[0]",
            message: "'cts' is not a PTT line", hint: "rts or dtr"),
        BadInput(name: "empty squelch sources", yaml: """
            channels:
              - id: north
                capture: { device: default }
                squelch: { sources: [] }
            """, code: .invalidValue, line: 4, column: 25, key: "channels[0].squelch.sources",
            message: "at least one squelch source", hint: "type: vox"),
    ]

    @Test(arguments: badInputs)
    func badChannelInputIsRefusedWithLineKeyAndHint(_ input: BadInput) throws {
        let error = try #require(parseError(input.yaml), "\(input.name) should be refused")
        #expect(error.code == input.code, "\(error)")
        #expect(error.line == input.line, "\(error)")
        #expect(error.column == input.column, "\(error)")
        #expect(error.key == input.key, "\(error)")
        #expect(error.message.contains(input.message), "\(error)")
        #expect(error.hint.contains(input.hint), "\(error)")
    }
}
