import ArgumentParser

/// `probe store info|verify|merge`: the embedding-store commands under one name, as `datasets` and
/// `models` group theirs. `probe info`, `probe verify` and `probe merge` stay as shorter spellings.
struct StoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Inspect, check or combine embedding stores (info, verify, merge).",
        subcommands: [InfoCommand.self, VerifyCommand.self, MergeCommand.self])
}
