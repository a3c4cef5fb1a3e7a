// Each class starts an operator host in this process. OpenTelemetry's meter providers listen to meters by name across
// the whole process, so two live hosts would export each other's instruments: the classes run one after another, and
// each disposes its host when done.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
