// Package routing owns lead routing (SPEC.md W4) and the policy's nurture
// and scoring parts (W5): the YAML policy format, its validation with line
// numbers, the built-in default policy, and the engine that applies a
// policy to one lead and explains its decision with a trace.
//
// The engine is pure: it takes an Input (the domain lead and the Facts it
// matched), a Directory of partners and queue users and a Rotation (the
// round-robin positions and daily counts, kept durable in the database by
// routing/live and in memory by MemoryRotation), and returns a
// leadrouter.Decision. Simulate replays a file of leads through a policy,
// optionally comparing it with another, using the same engine.
//
// The sub-package live runs the engine against the database: the policy in
// force and its versions, the directory read from the store, durable
// rotations inside the caller's transaction, explain and reroute.
package routing
