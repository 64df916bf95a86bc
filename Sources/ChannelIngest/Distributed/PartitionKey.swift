/// Which partition of a distributed run a partition key (`TrafficStage.partitionKey`) goes
/// to: the same in every map and reduce task, whatever machine it runs on.
enum PartitionKey {
    @inline(__always)
    static func partition(of key: UInt64, count: Int) -> Int {
        count <= 1 ? 0 : Int(mix64(key) % UInt64(count))
    }
}
