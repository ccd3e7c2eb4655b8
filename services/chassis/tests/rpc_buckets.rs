//! The RPC duration histogram has buckets in seconds, so the dashboards' p95 latency can
//! tell a 3 ms call from a 200 ms one. A test binary of its own, because the metric
//! instruments bind to the meter provider installed first in the process.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use llo_chassis::telemetry::{RPC_DURATION_BUCKETS, metrics};
use opentelemetry_sdk::metrics::{
    InMemoryMetricExporter, PeriodicReader, SdkMeterProvider,
    data::{AggregatedMetrics, MetricData},
};

#[test]
fn fast_and_slow_calls_land_in_different_buckets_in_seconds() {
    let exporter = InMemoryMetricExporter::default();
    let provider = SdkMeterProvider::builder()
        .with_reader(PeriodicReader::builder(exporter.clone()).build())
        .build();
    opentelemetry::global::set_meter_provider(provider.clone());

    metrics().rpc_duration.record(0.003, &[]);
    metrics().rpc_duration.record(0.2, &[]);
    provider.force_flush().unwrap();

    let exported = exporter.get_finished_metrics().unwrap();
    let histogram = exported
        .iter()
        .flat_map(|resource| resource.scope_metrics())
        .flat_map(|scope| scope.metrics())
        .find(|metric| metric.name() == "rpc.server.call.duration")
        .expect("rpc.server.call.duration exported");
    let AggregatedMetrics::F64(MetricData::Histogram(histogram)) = histogram.data() else {
        panic!("rpc.server.call.duration is not an f64 histogram");
    };
    let point = histogram.data_points().next().expect("one data point");
    assert_eq!(point.bounds().collect::<Vec<_>>(), RPC_DURATION_BUCKETS);
    let counts: Vec<u64> = point.bucket_counts().collect();
    // 3 ms falls in the first bucket (≤ 5 ms), 200 ms in (0.1, 0.25].
    assert_eq!(counts[0], 1, "{counts:?}");
    assert_eq!(counts[6], 1, "{counts:?}");
    assert_eq!(counts.iter().sum::<u64>(), 2);
}
