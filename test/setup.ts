// aws-local-stepfunctions 3 calls Promise.withResolvers (Node 22+) on every Task; Node 20 lacks it.
import '../lib/local/polyfills';
