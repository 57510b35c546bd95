/// CSV as RFC 4180 writes it: fields separated by commas, lines ended by CRLF.
public enum CSV {
    /// One line, CRLF included.
    public static func row(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",") + "\r\n"
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
