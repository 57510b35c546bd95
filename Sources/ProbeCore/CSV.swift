/// CSV as RFC 4180 quotes it: fields separated by commas, quoted when they must be.
/// The line ending is the caller's: report files end lines with CRLF as RFC 4180 says, while
/// `probe predict --csv` prints "\n" lines for the shell tools that read a terminal's output.
public enum CSV {
    /// One line of fields, without its line ending.
    public static func row(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",")
    }

    /// Quotes a field when it holds a comma, quote, CR or LF, or starts or ends with a space
    /// (which spreadsheet programs would otherwise trim); quotes inside are doubled.
    public static func field(_ s: String) -> String {
        let needsQuotes = s.unicodeScalars.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }
            || s.hasPrefix(" ") || s.hasSuffix(" ")
        guard needsQuotes else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
