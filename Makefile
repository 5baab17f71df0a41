# The targets CI and developers share. `make test` is the README's test command.
GO ?= go
PKGS := ./...

.PHONY: test axe test-sqlite lint bench bench-redirect bench-ingest vuln fuzz run

## test: every test on SQLite, and on PostgreSQL too when LEADROUTER_TEST_POSTGRES is set
test: axe
	$(GO) test -count=1 -timeout 15m $(PKGS)

## axe: axe-core from the npm registry, for the portal's accessibility checks
axe: portal/testdata/axe/node_modules/axe-core/axe.min.js
portal/testdata/axe/node_modules/axe-core/axe.min.js: portal/testdata/axe/package.json portal/testdata/axe/package-lock.json
	npm ci --prefix portal/testdata/axe --no-audit --no-fund
	@touch $@

## run: the product with demo data
run:
	$(GO) run ./cmd/leadrouter serve --demo

## lint: formatting, vet and staticcheck
lint:
	$(GO) mod tidy -diff
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) vet $(PKGS)
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 $(PKGS)

## bench: the Go benchmarks (engines, matcher, redirect handler)
bench:
	$(GO) test -run='^$$' -bench=. -benchmem ./match/ ./routing/ ./tracking/

## bench-redirect: leadrouter's redirect against nginx (needs nginx-light, wrk)
bench-redirect:
	bash bench/redirect.sh

## fuzz: a short run of every fuzz target
fuzz:
	@for pkg in $$(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -n1 dirname | sort -u); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep ^Fuzz); do \
	    $(GO) test -run='^$$' -fuzz="^$$f$$" -fuzztime=15s $$pkg || exit 1; done; done

## vuln: known vulnerabilities in dependencies
vuln:
	$(GO) run golang.org/x/vuln/cmd/govulncheck@v1.9.0 $(PKGS)
