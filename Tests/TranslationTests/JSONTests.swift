import Testing

@testable import Translation

@Suite("JSON")
struct JSONTests {
    @Test("parses and writes back keeping key order, numbers and escapes")
    func roundTrip() throws {
        let text = #"{"z":1,"a":[true,false,null],"m":{"s":"line\nquote\" é \u00e9 \ud83d\ude00","n":-1.5e3,"f":0.7}}"#
        let value = try JSONParser.parse(text)
        #expect(value["z"]?.int == 1)
        #expect(value["m"]?["s"]?.string == "line\nquote\" é é 😀")
        #expect(value["m"]?["n"]?.double == -1500)
        #expect(value.text == #"{"z":1,"a":[true,false,null],"m":{"s":"line\nquote\" é é 😀","n":-1500,"f":0.7}}"#)
        #expect(try JSONParser.parse(value.bytes) == value)
    }

    @Test("control characters are escaped on output")
    func escapes() {
        let value: JSON = ["k": "a\u{01}b\tc\\"]
        #expect(value.text == #"{"k":"a\u0001b\tc\\"}"#)
    }

    @Test("errors name the problem and where", arguments: [
        (#"{"a":1,}"#, "expected a string key at line 1, column 8"),
        ("{\"a\":\n tru}", "unexpected character 't' at line 2, column 2"),
        (#"{"a":"x"#, "unexpected end of input in a string at line 1, column 8"),
        (#"[1 2]"#, "expected ',' or ']' in an array at line 1, column 4"),
        (#"{"a":01}"#, "invalid number (leading zero) at line 1, column 7"),
        (#"{} x"#, "unexpected text after the JSON value at line 1, column 4"),
        ("", "unexpected end of input at line 1, column 1"),
    ])
    func errors(text: String, message: String) {
        #expect(throws: JSONError.self) { try JSONParser.parse(text) }
        do {
            _ = try JSONParser.parse(text)
        } catch {
            #expect(error.description == message)
        }
    }

    @Test("deep nesting is refused, not a crash")
    func depth() {
        let text = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: JSONError.self) { try JSONParser.parse(text) }
    }

    @Test("setting a member to nil removes it; setting again appends it")
    func members() {
        var value: JSON = ["a": 1, "b": 2]
        value["a"] = nil
        value["a"] = 3
        #expect(value.text == #"{"b":2,"a":3}"#)
    }

    @Test("lastMember finds the last member of that name without parsing the rest, never one inside a string")
    func lastMember() {
        let text = #"{"choices":[{"message":{"content":"say \"usage\": {1}"}}],"usage":{"prompt_tokens":7,"completion_tokens":3}}"#
        #expect(JSONParser.lastMember("usage", in: Array(text.utf8)) == ["prompt_tokens": 7, "completion_tokens": 3])
        #expect(JSONParser.lastMember("usage", in: Array(#"{"content":"say \"usage\": 1"}"#.utf8)) == nil)
        #expect(JSONParser.lastMember("usage", in: Array(#"{"usage": {"a": [1, 2]}, "x": {"usage" : null}}"#.utf8)) == .null)
        #expect(JSONParser.lastMember("usage", in: Array(#"{"usage":{"a":"#.utf8)) == nil, "cut off")
    }
}
