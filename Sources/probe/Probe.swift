import ArgumentParser
import ProbeTensor

@main
struct Probe: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Linear probing on frozen ImageNet CNNs: images -> embeddings -> classifiers -> reports.",
        version: "0.1.0",
        subcommands: [
            // One file per subcommand under Commands/, in pipeline order.
            DemoCommand.self,
            DatasetsCommand.self,
            ScanCommand.self,
            ModelsCommand.self,
            ExtractCommand.self,
            StoreCommand.self,
            InfoCommand.self,
            VerifyCommand.self,
            MergeCommand.self,
            FitLogRegCommand.self,
            FitSVMCommand.self,
            FitKNNCommand.self,
            PredictCommand.self,
            ReportCommand.self,
            CVCommand.self,
            DoctorCommand.self,
            ImagenetTop5Command.self,
            EmbedTensorCommand.self,
        ]
    )

    static func main() {
        keepFreedBlocksForReuse()
        parkIdleBLASWorkers()
        main(nil)
    }
}
