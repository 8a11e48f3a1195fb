/// HMAC-SHA1 (RFC 2104 over FIPS 180-4 SHA-1), only for matching hashed known_hosts names.
///
/// SHA-1 is broken for collision resistance; HMAC-SHA1 is still what OpenSSH's `|1|` host hashing uses,
/// and nothing here depends on it for anything else.
enum HMACSHA1 {
    /// The SHA-1 block size in bytes, which is also the HMAC key size.
    private static let blockSize = 64

    /// The 20-byte HMAC of `message` under `key`; keys longer than a block are hashed first.
    static func authenticate(message: [UInt8], key: [UInt8]) -> [UInt8] {
        var block = key.count > blockSize ? sha1(key) : key
        block += [UInt8](repeating: 0, count: blockSize - block.count)
        let inner = sha1(block.map { $0 ^ 0x36 } + message)
        return sha1(block.map { $0 ^ 0x5c } + inner)
    }

    /// The 20-byte SHA-1 digest of `message`.
    private static func sha1(_ message: [UInt8]) -> [UInt8] {
        var state: [UInt32] = [0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0]
        // Padding: a 1 bit, zeros up to 56 mod 64, then the message length in bits, big-endian.
        var data = message + [0x80]
        data += [UInt8](repeating: 0, count: (120 - data.count % 64) % 64)
        let bitCount = UInt64(message.count) * 8
        data += stride(from: 56, through: 0, by: -8).map { UInt8(truncatingIfNeeded: bitCount >> UInt64($0)) }

        var schedule = [UInt32](repeating: 0, count: 80)
        for blockStart in stride(from: 0, to: data.count, by: blockSize) {
            for t in 0..<16 {
                schedule[t] = data[blockStart + 4 * t..<blockStart + 4 * t + 4].reduce(0) { $0 << 8 | UInt32($1) }
            }
            for t in 16..<80 {
                schedule[t] = rotateLeft(schedule[t - 3] ^ schedule[t - 8] ^ schedule[t - 14] ^ schedule[t - 16], by: 1)
            }
            var (a, b, c, d, e) = (state[0], state[1], state[2], state[3], state[4])
            for t in 0..<80 {
                let (f, k): (UInt32, UInt32) =
                    switch t {
                    case 0..<20: ((b & c) | (~b & d), 0x5A82_7999)
                    case 20..<40: (b ^ c ^ d, 0x6ED9_EBA1)
                    case 40..<60: ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC)
                    default: (b ^ c ^ d, 0xCA62_C1D6)
                    }
                let temp = rotateLeft(a, by: 5) &+ f &+ e &+ k &+ schedule[t]
                (e, d, c, b, a) = (d, c, rotateLeft(b, by: 30), a, temp)
            }
            for (index, word) in [a, b, c, d, e].enumerated() {
                state[index] &+= word
            }
        }
        return state.flatMap { word in [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: word >> UInt32($0)) } }
    }

    /// `word` rotated left by `count` bits (0 < count < 32).
    private static func rotateLeft(_ word: UInt32, by count: UInt32) -> UInt32 {
        word << count | word >> (32 - count)
    }
}
