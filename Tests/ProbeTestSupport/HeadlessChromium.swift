import Foundation

/// Headless Chromium for the tests that open Probe's HTML pages in a real browser.
public enum HeadlessChromium {
    public static func path() -> String? {
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
                let path = "\(dir)/\(name)"
                if FileManager.default.isExecutableFile(atPath: path) { return path }
            }
        }
        return nil
    }

    /// Runs headless Chromium with `arguments` (profile and HOME inside `folder`) and a watchdog, so
    /// a wedged browser fails the test instead of hanging it. Returns standard output and the exit status.
    public static func run(_ arguments: [String], folder: URL) throws -> (stdout: String, status: Int32) {
        guard let chromium = path() else { throw MissingPrerequisite("Chromium is not installed (scripts/setup installs it)") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: chromium)
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                             "--user-data-dir=\(folder.appendingPathComponent("chromium-profile").path)"] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = folder.path
        process.environment = environment
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 120, execute: watchdog)
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        watchdog.cancel()
        return (String(decoding: data, as: UTF8.self), process.terminationStatus)
    }
}
