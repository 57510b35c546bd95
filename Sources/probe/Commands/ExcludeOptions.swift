import ArgumentParser
import Foundation
import ProbePipeline

/// `--exclude FILE` of extract, fit-* and cv: leave out the listed paths without copying the dataset.
struct ExcludeOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Leave out the paths listed in FILE (one a line, relative to the dataset root or absolute; blank lines and # comments ignored), e.g. the list `probe doctor --exclude-list` writes.",
        valueName: "file"))
    var exclude: String?

    /// The list, read now; nil without --exclude.
    func list() throws -> ExcludeList? {
        try exclude.map { try ExcludeList.read(URL(fileURLWithPath: $0)) }
    }
}
