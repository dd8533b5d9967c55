/**
 * The {@code simdcnn} command-line program ({@link org.simdcnn.cli.Main}): {@code train}, {@code eval},
 * {@code info}. Run from the repository root with {@code mvn -q compile exec:exec [-Dexec.args="..."]}.
 */
package org.simdcnn.cli;
