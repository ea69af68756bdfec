// HandlerRegistry and the registration of every statement handler.
#include "sql/executor/handler_registry.h"

#include "sql/executor/handlers/common/not_implemented_handler.h"
#include "sql/executor/handlers/dml/delete_handler.h"
#include "sql/executor/handlers/dml/insert_handler.h"
#include "sql/executor/handlers/dml/update_handler.h"
#include "sql/executor/handlers/index/create_index_handler.h"
#include "sql/executor/handlers/index/drop_index_handler.h"
#include "sql/executor/handlers/index/reindex_handler.h"
#include "sql/executor/handlers/index/show_indexes_handler.h"
#include "sql/executor/handlers/job/flush_table_handler.h"
#include "sql/executor/handlers/job/kill_job_handler.h"
#include "sql/executor/handlers/live/live_handlers.h"
#include "sql/executor/handlers/namespace/alter_namespace_handler.h"
#include "sql/executor/handlers/namespace/create_namespace_handler.h"
#include "sql/executor/handlers/namespace/drop_namespace_handler.h"
#include "sql/executor/handlers/namespace/show_namespaces_handler.h"
#include "sql/executor/handlers/namespace/use_namespace_handler.h"
#include "sql/executor/handlers/query/execute_as_handler.h"
#include "sql/executor/handlers/query/explain_handler.h"
#include "sql/executor/handlers/query/select_handler.h"
#include "sql/executor/handlers/storage/alter_storage_handler.h"
#include "sql/executor/handlers/storage/check_storage_handler.h"
#include "sql/executor/handlers/storage/create_storage_handler.h"
#include "sql/executor/handlers/storage/drop_storage_handler.h"
#include "sql/executor/handlers/storage/show_storages_handler.h"
#include "sql/executor/handlers/table/alter_table_handler.h"
#include "sql/executor/handlers/table/check_table_handler.h"
#include "sql/executor/handlers/table/create_table_handler.h"
#include "sql/executor/handlers/table/describe_table_handler.h"
#include "sql/executor/handlers/table/drop_table_handler.h"
#include "sql/executor/handlers/table/show_stats_handler.h"
#include "sql/executor/handlers/table/show_tables_handler.h"
#include "sql/executor/handlers/transaction/begin_handler.h"
#include "sql/executor/handlers/transaction/commit_handler.h"
#include "sql/executor/handlers/transaction/rollback_handler.h"
#include "sql/executor/handlers/user/alter_user_handler.h"
#include "sql/executor/handlers/user/create_user_handler.h"
#include "sql/executor/handlers/user/drop_user_handler.h"
#include "sql/executor/handlers/user/show_users_handler.h"
#include "sql/executor/handlers/view/create_view_handler.h"
#include "sql/executor/handlers/view/drop_view_handler.h"

namespace kalam {

bool HandlerRegistry::add(StatementKind kind, std::unique_ptr<StatementHandler> handler) {
  auto& slot = handlers_[static_cast<size_t>(kind)];
  if (slot != nullptr) {
    ++conflicts_;
    return false;
  }
  slot = std::move(handler);
  return true;
}

void HandlerRegistry::replace(StatementKind kind, std::unique_ptr<StatementHandler> handler) {
  handlers_[static_cast<size_t>(kind)] = std::move(handler);
}

size_t HandlerRegistry::size() const {
  size_t count = 0;
  for (const auto& handler : handlers_) count += handler != nullptr ? 1 : 0;
  return count;
}

void register_all_handlers(HandlerRegistry& registry, ExecutorServices& services) {
  using K = StatementKind;
  // Queries
  registry.add(K::kSelect, std::make_unique<SelectHandler>(services));
  registry.add(K::kExecuteAsUser, std::make_unique<ExecuteAsHandler>(services));
  registry.add(K::kExplain, std::make_unique<ExplainHandler>(services));
  // DML
  registry.add(K::kInsert, std::make_unique<InsertHandler>(services));
  registry.add(K::kUpdate, std::make_unique<UpdateHandler>(services));
  registry.add(K::kDelete, std::make_unique<DeleteHandler>(services));
  // Tables
  registry.add(K::kCreateTable, std::make_unique<CreateTableHandler>(services));
  registry.add(K::kAlterTable, std::make_unique<AlterTableHandler>(services));
  registry.add(K::kDropTable, std::make_unique<DropTableHandler>(services));
  registry.add(K::kShowStats, std::make_unique<ShowStatsHandler>(services));
  registry.add(K::kShowTables, std::make_unique<ShowTablesHandler>(services));
  registry.add(K::kDescribeTable, std::make_unique<DescribeTableHandler>(services));
  registry.add(K::kCheckTable, std::make_unique<CheckTableHandler>(services));
  // Indexes
  registry.add(K::kCreateIndex, std::make_unique<CreateIndexHandler>(services));
  registry.add(K::kDropIndex, std::make_unique<DropIndexHandler>(services));
  registry.add(K::kReindex, std::make_unique<ReindexHandler>(services));
  registry.add(K::kShowIndexes, std::make_unique<ShowIndexesHandler>(services));
  // Views
  registry.add(K::kCreateView, std::make_unique<CreateViewHandler>(services));
  registry.add(K::kDropView, std::make_unique<DropViewHandler>(services));
  // Transactions
  registry.add(K::kBeginTransaction, std::make_unique<BeginHandler>(services));
  registry.add(K::kCommitTransaction, std::make_unique<CommitHandler>(services));
  registry.add(K::kRollbackTransaction, std::make_unique<RollbackHandler>(services));
  // Namespaces
  registry.add(K::kCreateNamespace, std::make_unique<CreateNamespaceHandler>(services));
  registry.add(K::kAlterNamespace, std::make_unique<AlterNamespaceHandler>(services));
  registry.add(K::kDropNamespace, std::make_unique<DropNamespaceHandler>(services));
  registry.add(K::kShowNamespaces, std::make_unique<ShowNamespacesHandler>(services));
  registry.add(K::kUseNamespace, std::make_unique<UseNamespaceHandler>(services));
  // Storages
  registry.add(K::kCreateStorage, std::make_unique<CreateStorageHandler>(services));
  registry.add(K::kAlterStorage, std::make_unique<AlterStorageHandler>(services));
  registry.add(K::kDropStorage, std::make_unique<DropStorageHandler>(services));
  registry.add(K::kShowStorages, std::make_unique<ShowStoragesHandler>(services));
  registry.add(K::kCheckStorage, std::make_unique<CheckStorageHandler>(services));
  // Users
  registry.add(K::kCreateUser, std::make_unique<CreateUserHandler>(services));
  registry.add(K::kAlterUser, std::make_unique<AlterUserHandler>(services));
  registry.add(K::kDropUser, std::make_unique<DropUserHandler>(services));
  registry.add(K::kShowUsers, std::make_unique<ShowUsersHandler>(services));
  // Flush and jobs
  registry.add(K::kFlushTable, std::make_unique<FlushTableHandler>(services));
  registry.add(K::kFlushAll, std::make_unique<FlushAllHandler>(services));
  registry.add(K::kKillJob, std::make_unique<KillJobHandler>(services));
  registry.add(K::kShowJobs, std::make_unique<ShowJobsHandler>(services));
  // Live queries
  registry.add(K::kSubscribe, std::make_unique<SubscribeHandler>(services));
  registry.add(K::kKillLiveQuery, std::make_unique<KillLiveQueryHandler>(services));
  registry.add(K::kShowLiveQueries, std::make_unique<ShowLiveQueriesHandler>(services));
}

}  // namespace kalam
