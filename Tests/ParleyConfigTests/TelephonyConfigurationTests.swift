import ParleyConfig
import ParleyCore
import Testing

@Suite struct TelephonyConfiguration {
    @Test func linesAreReadWithEveryKeyAndServiceDefaults() throws {
        let configuration = try parse("""
            telephony:
              agency: Example Constabulary
              sms_part_timeout_seconds: 300
              lines:
                - id: l999
                  name: 999 line 1
                  service: "999"
                  modem: { type: voice, device: /dev/ttyACM0, baud: 57600, country_code: B4, response_timeout_seconds: 3 }
                - id: tp101
                  service: direct-textphone
                  priority: priority
                  modem: { type: voice, device: sim/textphone.pty }
                  text: { table: ita2 }
                - id: sms
                  service: sms
                  modem: { type: gsm, device: /dev/ttyUSB2 }
            """).resolvingPaths(stateDirOverride: "/var/lib/parley")
        let telephony = configuration.telephony
        #expect(telephony.agency == "Example Constabulary")
        #expect(telephony.smsPartTimeout == .seconds(300))
        try #require(telephony.lines.count == 3)
        let (emergency, textphone, sms) = (telephony.lines[0], telephony.lines[1], telephony.lines[2])
        #expect(emergency.name == "999 line 1" && emergency.service == .emergency999 && emergency.priority == .emergency)
        #expect(emergency.modem == .init(kind: .voice, device: "/dev/ttyACM0", baudRate: 57600, countryCode: "B4", responseTimeout: .seconds(3)))
        #expect(textphone.priority == .priority && textphone.ttyTableITA2)
        #expect(textphone.modem.device == "/var/lib/parley/sim/textphone.pty", "relative devices are in the state directory")
        #expect(textphone.modem.responseTimeout == .seconds(5))
        #expect(sms.priority == .routine && sms.modem.kind == .gsm && sms.modem.responseTimeout == .seconds(10))
        #expect(sms.modem.baudRate == 115_200 && !sms.ttyTableITA2)
    }

    @Test func aSoundCardLineIsReadWithItsDevicesAndDefaults() throws {
        let configuration = try parse("""
            telephony:
              lines:
                - id: card
                  service: "999"
                  modem:
                    type: soundcard
                    capture: { raw_file: card/line.raw }
                    playback: { device: "plughw:CARD=Line,DEV=0", rate: 16000 }
                    ring: { type: serial, port: /dev/ttyUSB1, line: dsr, invert: true }
                    hook: { type: cm108, hidraw: card/hook.hid }
                    ring_timeout_seconds: 6
                - id: card2
                  service: "101"
                  modem:
                    type: soundcard
                    capture: { device: "plughw:CARD=Line2,DEV=0" }
                    ring: { type: cm108, hidraw: /dev/hidraw3 }
                    hook: { type: serial, port: /dev/ttyUSB2, lines: [dtr] }
            """).resolvingPaths(stateDirOverride: "/var/lib/parley")
        try #require(configuration.telephony.lines.count == 2)
        let (first, second) = (configuration.telephony.lines[0], configuration.telephony.lines[1])
        #expect(first.modem.kind == .soundcard)
        let card = try #require(first.modem.soundCard)
        #expect(card.capture == .init(source: .rawFile("/var/lib/parley/card/line.raw"), sampleRate: 8000), "8 kHz by default")
        #expect(first.modem.device == "/var/lib/parley/card/line.raw", "the capture names the line's device")
        #expect(card.playback == .init(source: .device("plughw:CARD=Line,DEV=0"), sampleRate: 16000))
        #expect(card.ring == .serial(port: "/dev/ttyUSB1", line: .dsr, inverted: true))
        #expect(card.hook == .init(kind: .cm108(hidraw: "/var/lib/parley/card/hook.hid", gpio: 3, inverted: false)))
        #expect(card.ringTimeout == .seconds(6))
        let other = try #require(second.modem.soundCard)
        #expect(second.modem.device == "plughw:CARD=Line2,DEV=0", "ALSA names are not paths")
        #expect(other.playback == nil && other.ringTimeout == .seconds(8))
        #expect(other.hook == .init(kind: .serial(port: "/dev/ttyUSB2", lines: [.init(.dtr)])))
    }

    @Test func noTelephonySectionMeansNoLines() throws {
        let configuration = try parse("daemon: { log_level: info }")
        #expect(configuration.telephony.lines.isEmpty)
        #expect(configuration.telephony.agency == "Police")
    }

    static let badInputs: [BadInput] = [
        BadInput(name: "unknown service", yaml: """
            telephony:
              lines:
                - { id: a, service: "112", modem: { type: voice, device: /dev/ttyS0 } }
            """, code: .invalidValue, line: 3, column: 25, key: "telephony.lines[0].service",
            message: "unknown line service '112'", hint: "999, 101, text-relay"),
        BadInput(name: "sms on a voice modem", yaml: """
            telephony:
              lines:
                - { id: a, service: sms, modem: { type: voice, device: /dev/ttyS0 } }
            """, code: .invalidValue, line: 3, column: 7, key: "telephony.lines[0]",
            message: "service sms but a voice modem", hint: "modem.type: gsm"),
        BadInput(name: "two lines on one modem", yaml: """
            telephony:
              lines:
                - { id: a, service: "999", modem: { type: voice, device: /dev/ttyS0 } }
                - { id: b, service: "101", modem: { type: voice, device: /dev/ttyS0 } }
            """, code: .invalidValue, line: 4, column: 7, key: "telephony.lines[1]",
            message: "both use /dev/ttyS0", hint: "one line"),
        BadInput(name: "bad baud", yaml: """
            telephony:
              lines:
                - { id: a, service: "999", modem: { type: voice, device: /dev/ttyS0, baud: 1000 } }
            """, code: .invalidValue, line: 3, column: 80, key: "telephony.lines[0].modem.baud",
            message: "1000 bit/s is not a supported serial speed", hint: "115200"),
        BadInput(name: "bad country code", yaml: """
            telephony:
              lines:
                - { id: a, service: "999", modem: { type: voice, device: /dev/ttyS0, country_code: UK } }
            """, code: .invalidValue, line: 3, column: 88, key: "telephony.lines[0].modem.country_code",
            message: "not a T.35 country code", hint: "B4"),
        BadInput(name: "unknown priority", yaml: """
            telephony:
              lines:
                - { id: a, service: "101", priority: urgent, modem: { type: voice, device: /dev/ttyS0 } }
            """, code: .invalidValue, line: 3, column: 42, key: "telephony.lines[0].priority",
            message: "unknown priority 'urgent'", hint: "emergency, priority, routine"),
        BadInput(name: "misspelt key", yaml: """
            telephony:
              lines:
                - { id: a, service: "101", modem: { type: voice, devise: /dev/ttyS0 } }
            """, code: .missingKey, line: 3, column: 39, key: "telephony.lines[0].modem",
            message: "'device' is missing", hint: "device: /dev/ttyACM0"),
        BadInput(name: "sound-card ring on vox", yaml: """
            telephony:
              lines:
                - id: a
                  service: "101"
                  modem:
                    type: soundcard
                    capture: { device: default }
                    ring: { type: vox }
                    hook: { type: serial, port: /dev/ttyUSB0 }
            """, code: .invalidValue, line: 8, column: 15, key: "telephony.lines[0].modem.ring",
            message: "a ring detector cannot be vox", hint: "type: serial"),
        BadInput(name: "sound-card hook with PTT timing", yaml: """
            telephony:
              lines:
                - id: a
                  service: "101"
                  modem:
                    type: soundcard
                    capture: { device: default }
                    ring: { type: cm108, hidraw: /dev/hidraw0 }
                    hook: { type: serial, port: /dev/ttyUSB0, tx_delay_ms: 100 }
            """, code: .invalidValue, line: 9, column: 15, key: "telephony.lines[0].modem.hook",
            message: "do not apply to a hook relay", hint: "remove them"),
        BadInput(name: "sound card without a hook", yaml: """
            telephony:
              lines:
                - id: a
                  service: "101"
                  modem:
                    type: soundcard
                    capture: { device: default }
                    ring: { type: cm108, hidraw: /dev/hidraw0 }
            """, code: .missingKey, line: 6, column: 9, key: "telephony.lines[0].modem",
            message: "'hook' is missing", hint: "lines: [rts]"),
        BadInput(name: "sound card given a serial device", yaml: """
            telephony:
              lines:
                - id: a
                  service: "101"
                  modem:
                    type: soundcard
                    device: /dev/ttyS0
                    capture: { device: default }
                    ring: { type: cm108, hidraw: /dev/hidraw0 }
                    hook: { type: cm108, hidraw: /dev/hidraw0 }
            """, code: .unknownKey, line: 7, column: 9, key: "telephony.lines[0].modem.device",
            message: "device", hint: "known keys here: type, capture, playback, ring, hook"),
        BadInput(name: "missing modem", yaml: """
            telephony:
              lines:
                - { id: a, service: "101" }
            """, code: .missingKey, line: 3, column: 7, key: "telephony.lines[0]",
            message: "'modem' is missing", hint: "type: voice"),
    ]

    @Test(arguments: badInputs)
    func badTelephonyInputIsRefusedWithLineKeyAndHint(_ input: BadInput) throws {
        let error = try #require(parseError(input.yaml), "\(input.name) should be refused")
        #expect(error.code == input.code, "\(error)")
        #expect(error.line == input.line, "\(error)")
        #expect(error.column == input.column, "\(error)")
        #expect(error.key == input.key, "\(error)")
        #expect(error.message.contains(input.message), "\(error)")
        #expect(error.hint.contains(input.hint), "\(error)")
    }
}
