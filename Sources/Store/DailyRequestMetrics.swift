/// The gateway's requests of one UTC day, summed up for the dashboard's request metrics.
public struct DailyRequestMetrics: Sendable, Equatable, Codable {
    /// The UTC day, `YYYY-MM-DD`.
    public var day: String
    /// Requests that arrived that day.
    public var totalRequests: Int
    /// Input plus output tokens; a missing count counts as 0.
    public var totalTokens: Int
    /// The share of requests that succeeded (``RequestRecord/succeeded``: a status in 200..<400 and
    /// no error, so a stream that broke after its `200` fails), from 0 to 1; 0 when there were none.
    public var successRate: Double
    /// The sum of `RequestRecord.costAvoided`, in USD; a missing cost counts as 0.
    public var estimatedApiCostAvoided: Double
    /// The sum of `RequestRecord.compressionOperations`.
    public var compressionOperations: Int
    /// The sum of `RequestRecord.compressionTokensSaved`.
    public var compressionTokensSaved: Int
    /// The model served most often that day (on a tie, the alphabetically first); nil when no
    /// request was served by a model.
    public var topModel: String?

    /// Metrics as given.
    public init(
        day: String, totalRequests: Int, totalTokens: Int, successRate: Double, estimatedApiCostAvoided: Double,
        compressionOperations: Int, compressionTokensSaved: Int, topModel: String?
    ) {
        self.day = day
        self.totalRequests = totalRequests
        self.totalTokens = totalTokens
        self.successRate = successRate
        self.estimatedApiCostAvoided = estimatedApiCostAvoided
        self.compressionOperations = compressionOperations
        self.compressionTokensSaved = compressionTokensSaved
        self.topModel = topModel
    }
}
