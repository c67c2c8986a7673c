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
