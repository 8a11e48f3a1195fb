/// A local answer for `POST /v1/messages/count_tokens` when the bridge cannot count: an
/// ESTIMATE by `TokenEstimate` over the request's `system`, `messages` and `tools`, not the
/// model's tokenizer. An image counts as `imageTokens` (Anthropic's cost of an image at its
/// largest size) rather than as its base64 text, which would overstate it a thousandfold.
public enum AnthropicTokenCounter {
    /// Tokens an image is counted as.
    public static let imageTokens = 1_600

    /// The estimated input tokens of the Messages `request`.
    public static func inputTokens(of request: JSON) -> Int {
        var images = 0
        let messages = request["messages"].map { withoutImages($0, count: &images) }
        var counted: JSON = [:]
        counted["system"] = request["system"]
        counted["messages"] = messages
        counted["tools"] = request["tools"]
        return TokenEstimate.tokens(request: counted) + images * imageTokens
    }

    /// The `count_tokens` response body: `{"input_tokens": N}`.
    public static func response(for request: JSON) -> JSON {
        ["input_tokens": .int(inputTokens(of: request))]
    }

    /// `json` with every image block's `source` removed, counting the images.
    private static func withoutImages(_ json: JSON, count: inout Int) -> JSON {
        switch json {
        case .array(let elements):
            return .array(elements.map { withoutImages($0, count: &count) })
        case .object(var object):
            if object["type"]?.string == "image" {
                count += 1
                object["source"] = nil
            }
            for (key, value) in object where value.array != nil || value.object != nil {
                object[key] = withoutImages(value, count: &count)
            }
            return .object(object)
        default:
            return json
        }
    }
}
