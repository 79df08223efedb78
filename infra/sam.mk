# SAM "makefile" builds, included by the repo root Makefile (`include infra/sam.mk`).
#
# `sam build` runs `make build-<LogicalId>` with ARTIFACTS_DIR set, for every function
# whose Metadata says `BuildMethod: makefile` (with `CodeUri: .`). A function's artifact
# is first-party code only, laid out as in the repository so that the handler
# `functions.<name>.app.handler` imports `shared.*` exactly as it does locally:
#
#   $(ARTIFACTS_DIR)/functions/__init__.py
#   $(ARTIFACTS_DIR)/functions/<name>/...     (only this function's folder)
#   $(ARTIFACTS_DIR)/shared/...
#
# __pycache__ and *.pyc are left out. Third-party packages come only from
# DependenciesLayer (layer/requirements.txt), never from here.
#
# Adding a function is one line at the bottom:
#   $(eval $(call sam_function,<LogicalId>,<folder under functions/>))

# Targets here never become the including Makefile's default goal (restored at the end).
SAM_SAVED_DEFAULT_GOAL := $(.DEFAULT_GOAL)

# Repository root, from this file's own location (sam build may run make from a scratch copy).
SAM_ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))..)
SAM_COPY_EXCLUDES := '--exclude=__pycache__' '--exclude=*.pyc' '--exclude=.pytest_cache'

# Logical ids of the functions built here (for listings and tests).
SAM_FUNCTIONS :=

# $(call sam_function,LogicalId,folder): defines the phony target build-LogicalId.
define sam_function
SAM_FUNCTIONS += $(1)
.PHONY: build-$(1)
build-$(1):
	@test -n "$$(ARTIFACTS_DIR)" || { echo "build-$(1): ARTIFACTS_DIR is not set (this target is run by 'sam build')." >&2; exit 1; }
	@test -f "$(SAM_ROOT)/functions/$(2)/__init__.py" || { echo "build-$(1): functions/$(2)/__init__.py not found." >&2; exit 1; }
	mkdir -p "$$(ARTIFACTS_DIR)"
	tar -C "$(SAM_ROOT)" $(SAM_COPY_EXCLUDES) -cf - functions/__init__.py functions/$(2) shared | tar -C "$$(ARTIFACTS_DIR)" -xf -
endef

.PHONY: sam-functions
sam-functions: ## List the functions built by infra/sam.mk
	@echo $(SAM_FUNCTIONS)

$(eval $(call sam_function,ContactsApiFunction,contacts_api))
$(eval $(call sam_function,EmailsApiFunction,emails_api))
$(eval $(call sam_function,ScheduledSendFunction,scheduled_send))
$(eval $(call sam_function,MailboxSyncFunction,mailbox_sync))
$(eval $(call sam_function,TrackingFunction,tracking))
$(eval $(call sam_function,MailEventsFunction,mail_events))
$(eval $(call sam_function,ActivityIngestFunction,activity_ingest))
$(eval $(call sam_function,BulkWorkerFunction,bulk_worker))
$(eval $(call sam_function,ExportWorkerFunction,export_worker))

.DEFAULT_GOAL := $(SAM_SAVED_DEFAULT_GOAL)
