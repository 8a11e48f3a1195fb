import COpenSSL

/// HMAC-SHA1 from libcrypto, only for matching hashed known_hosts names.
///
/// SHA-1 is broken for collision resistance; HMAC-SHA1 is still what OpenSSH's `|1|` host hashing
/// uses, and nothing here depends on it for anything else.
enum HMACSHA1 {
    /// The 20-byte HMAC of `message` under `key`.
    static func authenticate(message: [UInt8], key: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        // An empty key is passed as a one-byte buffer with length 0: libcrypto reads none of it,
        // and is never given a null key, whose meaning has varied between its versions.
        let keyBytes = key.isEmpty ? [0] : key
        let done = keyBytes.withUnsafeBufferPointer { keyBuffer in
            message.withUnsafeBufferPointer { messageBuffer in
                HMAC(EVP_sha1(), keyBuffer.baseAddress, Int32(key.count), messageBuffer.baseAddress, messageBuffer.count, &digest, &length)
            }
        }
        // HMAC fails only without memory; no name matches an empty digest.
        guard done != nil else { return [] }
        return Array(digest.prefix(Int(length)))
    }
}
