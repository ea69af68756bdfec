// Budget: SchemaRegistry lookup by name < 1 µs.
#include <benchmark/benchmark.h>

#include "bench_support.h"

namespace kalam {
namespace {

void BM_SchemaRegistryLookup(benchmark::State& state) {
  bench::BenchEnvironment env;
  const int namespaces = 20;
  const int tables_per_namespace = static_cast<int>(state.range(0)) / namespaces;
  {
    CatalogChange change = env.registry->begin_change();
    for (int ns_idx = 0; ns_idx < namespaces; ++ns_idx) {
      NamespaceDef ns;
      ns.namespace_id = "ns" + std::to_string(ns_idx);
      change.put_namespace(ns);
      for (int table_idx = 0; table_idx < tables_per_namespace; ++table_idx) {
        TableDef table;
        table.namespace_id = ns.namespace_id;
        table.table_name = "table_" + std::to_string(table_idx);
        change.put_table(table);
      }
    }
    change.commit().permit_unchecked();
  }
  std::string ns_name = "ns7";
  std::string table_name = "table_" + std::to_string(tables_per_namespace / 2);
  for (auto _ : state) {
    auto snapshot = env.registry->snapshot();
    const NamespaceDef* ns = snapshot->find_namespace(ns_name);
    const TableDef* table = snapshot->find_table(ns_name, table_name);
    benchmark::DoNotOptimize(ns);
    benchmark::DoNotOptimize(table);
  }
}
BENCHMARK(BM_SchemaRegistryLookup)->Arg(100)->Arg(10000);

void BM_SchemaRegistryLookupContended(benchmark::State& state) {
  static bench::BenchEnvironment* env = nullptr;
  if (state.thread_index() == 0) {
    env = new bench::BenchEnvironment();
    CatalogChange change = env->registry->begin_change();
    NamespaceDef ns;
    ns.namespace_id = "chat";
    change.put_namespace(ns);
    change.commit().permit_unchecked();
  }
  for (auto _ : state) {
    auto snapshot = env->registry->snapshot();
    benchmark::DoNotOptimize(snapshot->find_namespace("chat"));
  }
  if (state.thread_index() == 0) {
    delete env;
    env = nullptr;
  }
}
BENCHMARK(BM_SchemaRegistryLookupContended)->Threads(2);

}  // namespace
}  // namespace kalam
